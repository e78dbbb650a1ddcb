"""IdP metadata parsing: what the SP trusts about an identity provider (SAML Metadata 2.x)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from sp_keys import SAMPLES_DIR, SP_ENCRYPTION_CERT_PEM, SP_SIGNING_CERT_PEM, der

from ssoconsole.saml import metadata as md
from ssoconsole.saml.config import (
    BINDING_POST,
    BINDING_REDIRECT,
    IdentityProvider,
    ValidationPolicy,
)
from ssoconsole.saml.metadata import (
    CertificateInfo,
    format_duration,
    parse_duration,
    parse_idp_metadata,
)
from ssoconsole.saml.xml import XMLForbiddenConstruct, XMLTooDeep, XMLTooLarge

NOW = datetime(2017, 3, 1, tzinfo=UTC)
SAML2 = "urn:oasis:names:tc:SAML:2.0:protocol"
SOAP = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP"
ARTIFACT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
CERT_A = der(SP_SIGNING_CERT_PEM)
CERT_B = der(SP_ENCRYPTION_CERT_PEM)
DS = "http://www.w3.org/2000/09/xmldsig#"


# --- Test metadata, written out so each test shows what it feeds the parser ----------------


def key(der_bytes: bytes, use: str | None = "signing") -> str:
    use_attr = f' use="{use}"' if use else ""
    b64 = base64.b64encode(der_bytes).decode()
    return (
        f"<md:KeyDescriptor{use_attr}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{b64}"
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
    )


def sso(binding: str = BINDING_REDIRECT, url: str = "https://idp.example.test/sso") -> str:
    return f'<md:SingleSignOnService Binding="{binding}" Location="{url}"/>'


def idp_role(keys=None, endpoints=None, formats=(), attrs: str = "", protocols: str = SAML2) -> str:
    keys = [key(CERT_A)] if keys is None else keys
    endpoints = [sso()] if endpoints is None else endpoints
    nameids = "".join(f"<md:NameIDFormat>{f}</md:NameIDFormat>" for f in formats)
    return (
        f'<md:IDPSSODescriptor protocolSupportEnumeration="{protocols}"{attrs}>'
        f"{''.join(keys)}{nameids}{''.join(endpoints)}</md:IDPSSODescriptor>"
    )


def entity(
    entity_id: str = "https://idp.example.test/", roles: str | None = None, attrs: str = ""
) -> str:
    roles = idp_role() if roles is None else roles
    return f'<md:EntityDescriptor entityID="{entity_id}"{attrs}>{roles}</md:EntityDescriptor>'


NSDECL = (
    'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"'
)


def document(*entities: str, attrs: str = "") -> bytes:
    """Wrap one entity as the root, or several in an EntitiesDescriptor."""
    if len(entities) == 1 and not attrs:
        text = entities[0].replace("<md:EntityDescriptor ", f"<md:EntityDescriptor {NSDECL} ", 1)
    else:
        text = f"<md:EntitiesDescriptor {NSDECL}{attrs}>{''.join(entities)}</md:EntitiesDescriptor>"
    return text.encode()


def sp_role() -> str:
    return (
        f'<md:SPSSODescriptor protocolSupportEnumeration="{SAML2}">{key(CERT_B)}'
        f'<md:AssertionConsumerService Binding="{BINDING_POST}" Location="https://sp.example.test/acs" index="0"/>'
        "</md:SPSSODescriptor>"
    )


def sample(relative: str) -> bytes:
    return (SAMPLES_DIR / relative).read_bytes()


def embedded_signature_certificate(data: bytes) -> bytes:
    text = (
        etree.fromstring(data.removeprefix(b"\xef\xbb\xbf"))
        .find(f"{{{DS}}}Signature")
        .findtext(f".//{{{DS}}}X509Certificate")
    )
    return base64.b64decode("".join(text.split()))


# --- Real-world samples -----------------------------------------------------------------------

SAMPLES = {
    # file: (entityID, SSO bindings, number of signing certificates, NameID formats)
    "adfs/federationmetadata-adfs-v3.xml": (
        "http://fs.msidlab2.com/adfs/services/trust",
        {BINDING_REDIRECT, BINDING_POST},
        1,
        3,
    ),
    "adfs/federationmetadata-adfs-v4.xml": (
        "http://fs.msidlab11.com/adfs/services/trust",
        {BINDING_REDIRECT, BINDING_POST},
        1,
        3,
    ),
    "entra-id/federationmetadata-common.xml": (
        "https://sts.windows.net/{tenantid}/",
        {BINDING_REDIRECT, BINDING_POST},
        3,
        0,
    ),
    "google-workspace/metadata.xml": (
        "https://accounts.google.com/o/saml2?idpid=C02dfl1r1",
        {BINDING_POST},
        1,
        1,
    ),
    "okta/metadata.xml": (
        "http://www.okta.com/exkppsa1qwuFV4D7z0h7",
        {BINDING_REDIRECT, BINDING_POST},
        1,
        2,
    ),
    "onelogin/metadata.xml": (
        "https://app.onelogin.com/saml/metadata/503983",
        {BINDING_POST},
        1,
        1,
    ),
    "onelogin/metadata-383123.xml": (
        "https://app.onelogin.com/saml/metadata/383123",
        {BINDING_REDIRECT, BINDING_POST},
        1,
        1,
    ),
    "shibboleth-idp/metadata-samltest.id.xml": (
        "https://samltest.id/saml/idp",
        {BINDING_REDIRECT, BINDING_POST},
        2,
        0,
    ),
    "shibboleth-idp/metadata-testshib.xml": (
        "https://idp.testshib.org/idp/shibboleth",
        {BINDING_REDIRECT, BINDING_POST},
        1,
        2,
    ),
}
# The one sample that is a service provider's metadata (Microsoft Online as an SP).
SP_SAMPLES = {"entra-id/microsoftonline-federation-metadata.xml"}


def _metadata_files() -> set[str]:
    found = set()
    for path in SAMPLES_DIR.glob("*/*.xml"):
        root = etree.fromstring(path.read_bytes())
        if etree.QName(root).localname in ("EntityDescriptor", "EntitiesDescriptor"):
            found.add(path.relative_to(SAMPLES_DIR).as_posix())
    return found


def test_every_metadata_file_in_the_samples_is_covered():
    """A new metadata sample must be added to the table below, so none goes untested."""
    assert _metadata_files() == set(SAMPLES) | SP_SAMPLES


@pytest.mark.parametrize("relative", sorted(SAMPLES))
def test_sample_metadata_parses(relative):
    """Metadata from AD FS, Entra ID, Google, Okta, OneLogin and Shibboleth parses as expected."""
    entity_id, bindings, n_certs, n_formats = SAMPLES[relative]
    result = parse_idp_metadata(sample(relative), now=NOW)
    assert result.entity_id == entity_id
    assert set(result.sso_urls) == bindings
    assert all(url.startswith("https://") for url in result.sso_urls.values())
    assert len(result.signing_certificates) == n_certs
    assert len(result.name_id_formats) == n_formats
    assert all(info.sha256_fingerprint for info in result.certificates)
    assert result.signature_verified is False


def test_sample_service_provider_metadata_is_refused_as_not_an_idp():
    """Microsoft Online's SP metadata parses as SAML but is reported as a service provider's."""
    with pytest.raises(md.MetadataNoIdP) as info:
        parse_idp_metadata(sample("entra-id/microsoftonline-federation-metadata.xml"), now=NOW)
    assert "service provider" in info.value.detail
    assert info.value.actual == ["md:SPSSODescriptor"]


@pytest.mark.parametrize(
    "relative",
    [
        "entra-id/federationmetadata-common.xml",
        "adfs/federationmetadata-adfs-v3.xml",
        "adfs/federationmetadata-adfs-v4.xml",
    ],
)
def test_signed_sample_metadata_verifies_with_its_signing_certificate(relative):
    """SAML Metadata 3.1: with a trusted certificate the document's signature is verified."""
    data = sample(relative)
    result = parse_idp_metadata(
        data, now=NOW, trusted_certificates=[embedded_signature_certificate(data)]
    )
    assert result.signature_verified is True
    assert result == replace(parse_idp_metadata(data, now=NOW), signature_verified=True)


def test_values_are_read_from_the_verified_element_not_the_received_tree():
    """SAML Metadata 3.1 / docs/rules.md#read-only-what-the-signature-covers: data comes from what the signature covers.

    A comment does not change the canonical form, so it survives signing; in
    the received tree it splits the certificate's text (unreadable), while the
    element returned by signature verification has no comments at all.
    """
    data = sample("entra-id/federationmetadata-common.xml")
    idp_at = data.index(b"<IDPSSODescriptor")
    cert_at = data.index(b"<X509Certificate>", idp_at) + len(b"<X509Certificate>") + 40
    commented = data[:cert_at] + b"<!-- split -->" + data[cert_at:]
    with pytest.raises(md.MetadataCertificateUnreadable):
        parse_idp_metadata(commented, now=NOW)
    verified = parse_idp_metadata(
        commented, now=NOW, trusted_certificates=[embedded_signature_certificate(data)]
    )
    assert verified.signing_certificates == parse_idp_metadata(data, now=NOW).signing_certificates


def test_tampered_signed_metadata_is_refused():
    """Changing one byte of signed metadata (the SSO URL) breaks the digest."""
    data = sample("entra-id/federationmetadata-common.xml")
    tampered = data.replace(
        b"login.microsoftonline.com/common/saml2", b"login.microsoftonIine.com/common/saml2", 1
    )
    with pytest.raises(md.MetadataSignatureInvalid) as info:
        parse_idp_metadata(
            tampered, now=NOW, trusted_certificates=[embedded_signature_certificate(data)]
        )
    assert info.value.code == "saml.metadata_signature_invalid"
    assert info.value.context["reason"] == "saml.digest_mismatch"


def test_metadata_signed_by_an_untrusted_key_is_refused():
    """Only the configured metadata signing certificate is trusted, not the one in KeyInfo."""
    with pytest.raises(md.MetadataSignatureInvalid):
        parse_idp_metadata(
            sample("entra-id/federationmetadata-common.xml"), now=NOW, trusted_certificates=[CERT_A]
        )


def test_trusted_certificate_may_be_given_as_pem():
    """Administrators paste PEM; it is accepted like DER."""
    data = sample("adfs/federationmetadata-adfs-v4.xml")
    cert_der = embedded_signature_certificate(data)
    pem = (
        b"-----BEGIN CERTIFICATE-----\n"
        + base64.encodebytes(cert_der)
        + b"-----END CERTIFICATE-----\n"
    )
    assert parse_idp_metadata(data, now=NOW, trusted_certificates=[pem]).signature_verified


def test_unreadable_trusted_pem_certificate_is_reported():
    """A pasted PEM that is not a certificate is a certificate error, not a bad signature."""
    bad_pem = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    with pytest.raises(md.MetadataCertificateUnreadable):
        parse_idp_metadata(
            sample("adfs/federationmetadata-adfs-v4.xml"), now=NOW, trusted_certificates=[bad_pem]
        )
    with pytest.raises(md.MetadataCertificateUnreadable):
        parse_idp_metadata(
            sample("adfs/federationmetadata-adfs-v4.xml"),
            now=NOW,
            trusted_certificates=[b"\x30\x00"],
        )


def test_sha1_signed_metadata_is_refused_unless_the_policy_allows_it():
    """The SHA-1 rule of the signature policy applies to metadata too."""
    data = sample("entra-id/microsoftonline-federation-metadata.xml")
    trusted = [embedded_signature_certificate(data)]
    with pytest.raises(md.MetadataSignatureInvalid) as info:
        parse_idp_metadata(data, now=NOW, trusted_certificates=trusted)
    assert info.value.context["reason"] == "saml.sha1_refused"
    with pytest.raises(md.MetadataNoIdP):  # past the signature: it is an SP's metadata
        parse_idp_metadata(
            data,
            now=NOW,
            trusted_certificates=trusted,
            policy=ValidationPolicy(insecure_allow_sha1=True),
        )


def test_unsigned_metadata_is_refused_when_a_trusted_certificate_is_given():
    """A configured metadata signing certificate means unsigned metadata is not accepted."""
    with pytest.raises(md.MetadataUnsigned) as info:
        parse_idp_metadata(sample("okta/metadata.xml"), now=NOW, trusted_certificates=[CERT_A])
    assert info.value.code == "saml.metadata_unsigned"


def test_signed_entity_inside_an_unsigned_wrapper_is_refused():
    """Wrapping signed metadata in an unsigned EntitiesDescriptor cannot smuggle in another IdP."""
    data = sample("entra-id/federationmetadata-common.xml")
    signed = data.split(b"?>", 1)[1].decode()
    wrapper = document(entity("https://evil.example.test/"), signed)
    with pytest.raises(md.MetadataUnsigned):
        parse_idp_metadata(
            wrapper,
            entity_id="https://sts.windows.net/{tenantid}/",
            now=NOW,
            trusted_certificates=[embedded_signature_certificate(data)],
        )


# --- Entra ID specifics --------------------------------------------------------------------------


def test_entra_metadata_with_byte_order_mark_parses():
    """Entra ID serves federation metadata with a UTF-8 byte order mark."""
    data = sample("entra-id/federationmetadata-common.xml")
    assert (
        parse_idp_metadata(b"\xef\xbb\xbf" + data, now=NOW).entity_id
        == "https://sts.windows.net/{tenantid}/"
    )
    assert parse_idp_metadata(b"\xef\xbb\xbf\r\n" + data, now=NOW).entity_id.startswith(
        "https://sts"
    )


def test_entra_signed_metadata_with_byte_order_mark_still_verifies():
    """The byte order mark is outside the signed element, so the signature still holds."""
    data = sample("entra-id/federationmetadata-common.xml")
    result = parse_idp_metadata(
        b"\xef\xbb\xbf" + data, now=NOW, trusted_certificates=[embedded_signature_certificate(data)]
    )
    assert result.signature_verified


def test_signing_keys_of_ws_federation_role_descriptors_are_not_used():
    """SAML Metadata 2.4.3: only the IDPSSODescriptor's keys sign SAML assertions."""
    sts = (
        '<md:RoleDescriptor xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706" '
        'xsi:type="fed:SecurityTokenServiceType" '
        'protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706">'
        f"{key(CERT_B)}</md:RoleDescriptor>"
    )
    result = parse_idp_metadata(document(entity(roles=sts + idp_role([key(CERT_A)]))), now=NOW)
    assert result.signing_certificates == (CERT_A,)


def test_entra_sample_without_idp_keys_has_no_signing_certificate_despite_role_descriptor_keys():
    """Removing the IDPSSODescriptor's keys from Entra metadata leaves nothing to trust."""
    root = etree.fromstring(sample("entra-id/federationmetadata-common.xml"))
    idp = root.find("{urn:oasis:names:tc:SAML:2.0:metadata}IDPSSODescriptor")
    for kd in idp.findall("{urn:oasis:names:tc:SAML:2.0:metadata}KeyDescriptor"):
        idp.remove(kd)
    with pytest.raises(md.MetadataNoSigningCertificate):
        parse_idp_metadata(etree.tostring(root), now=NOW)


def test_keys_of_an_sp_role_in_the_same_entity_are_not_used():
    """AD FS lists an SPSSODescriptor beside the IdP; its keys are not the IdP's."""
    result = parse_idp_metadata(
        document(entity(roles=sp_role() + idp_role([key(CERT_A)]))), now=NOW
    )
    assert result.signing_certificates == (CERT_A,)


# --- Choosing the entity ------------------------------------------------------------------------


def test_entity_is_chosen_by_entity_id_from_entities_descriptor():
    """SAML Metadata 2.3.1: an EntitiesDescriptor holds several entities; entityID picks one."""
    data = document(
        entity("https://a.example.test/"),
        entity("https://b.example.test/", roles=idp_role([key(CERT_B)])),
    )
    result = parse_idp_metadata(data, entity_id="https://b.example.test/", now=NOW)
    assert (result.entity_id, result.signing_certificates) == ("https://b.example.test/", (CERT_B,))


def test_single_idp_among_service_providers_is_chosen_without_entity_id():
    """SP entities in an aggregate are not candidates, so one IdP needs no choice."""
    data = document(
        entity("https://sp.example.test/", roles=sp_role()), entity("https://idp.example.test/")
    )
    assert parse_idp_metadata(data, now=NOW).entity_id == "https://idp.example.test/"


def test_nested_entities_descriptors_are_searched():
    """SAML Metadata 2.3.1: EntitiesDescriptor may nest."""
    inner = f'<md:EntitiesDescriptor Name="inner">{entity("https://nested.example.test/")}</md:EntitiesDescriptor>'
    data = document(entity("https://sp.example.test/", roles=sp_role()), inner)
    assert parse_idp_metadata(data, now=NOW).entity_id == "https://nested.example.test/"


def test_several_idps_without_entity_id_is_ambiguous_and_lists_them():
    """The administrator is told which entity IDs exist so they can pick one."""
    data = document(entity("https://a.example.test/"), entity("https://b.example.test/"))
    with pytest.raises(md.MetadataEntityAmbiguous) as info:
        parse_idp_metadata(data, now=NOW)
    assert info.value.code == "saml.metadata_entity_ambiguous"
    assert info.value.actual == ["https://a.example.test/", "https://b.example.test/"]
    assert "https://a.example.test/" in info.value.admin_message()


def test_entities_descriptor_with_many_idps_lists_twenty_and_counts_the_rest():
    """A federation aggregate with hundreds of IdPs gives a readable, bounded message."""
    data = document(*(entity(f"https://idp{i}.example.test/") for i in range(500)))
    with pytest.raises(md.MetadataEntityAmbiguous) as info:
        parse_idp_metadata(data, now=NOW)
    assert len(info.value.actual) == 20
    assert "and 480 more" in info.value.detail
    chosen = parse_idp_metadata(data, entity_id="https://idp321.example.test/", now=NOW)
    assert chosen.entity_id == "https://idp321.example.test/"


def test_unknown_entity_id_is_reported_with_the_ones_found():
    """The requested IdP is missing: say so and list what the file contains."""
    data = document(entity("https://a.example.test/"), entity("https://b.example.test/"))
    with pytest.raises(md.MetadataEntityNotFound) as info:
        parse_idp_metadata(data, entity_id="https://c.example.test/", now=NOW)
    assert info.value.code == "saml.metadata_entity_not_found"
    assert info.value.expected == "https://c.example.test/"
    assert info.value.actual == ["https://a.example.test/", "https://b.example.test/"]


def test_entity_id_must_match_a_single_entity_descriptor_too():
    """Uploading another IdP's metadata for an existing provider is caught."""
    with pytest.raises(md.MetadataEntityNotFound):
        parse_idp_metadata(
            document(entity("https://a.example.test/")),
            entity_id="https://b.example.test/",
            now=NOW,
        )


def test_entity_id_listed_twice_is_ambiguous():
    """Two entities with the same entityID cannot be told apart."""
    data = document(entity("https://a.example.test/"), entity("https://a.example.test/"))
    with pytest.raises(md.MetadataEntityAmbiguous):
        parse_idp_metadata(data, entity_id="https://a.example.test/", now=NOW)


# --- Not metadata at all --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>...</body></html>",
        b"<html><body>Sign in to your account</body></html>",
        b'\n\n<!doctype HTML PUBLIC "-//W3C//DTD HTML 4.01//EN"><HTML></HTML>',
    ],
)
def test_html_page_is_reported_as_not_xml(page):
    """A downloaded sign-in page is the commonest wrong file; it is named as HTML."""
    with pytest.raises(md.MetadataNotXML) as info:
        parse_idp_metadata(page, now=NOW)
    assert info.value.code == "saml.metadata_not_xml"
    assert "HTML" in info.value.detail
    assert "download the federation metadata xml" in info.value.admin_message().lower()


@pytest.mark.parametrize("data", [b"", b"not xml at all", b"\x00\x01"])
def test_non_xml_is_reported_as_not_xml(data):
    """Anything that is not well-formed XML gets saml.metadata_not_xml."""
    with pytest.raises(md.MetadataNotXML):
        parse_idp_metadata(data, now=NOW)


@pytest.mark.parametrize("cut", [0.3, 0.7, 0.99])
def test_truncated_metadata_gets_one_coherent_message(cut):
    """A download cut short is XML that broke, not "not XML": one explanation, no contradiction."""
    whole = document(entity())
    with pytest.raises(md.MetadataIncomplete) as info:
        parse_idp_metadata(whole[: int(len(whole) * cut)], now=NOW)
    message = info.value.admin_message()
    assert info.value.code == "saml.metadata_incomplete"
    assert "not xml" not in message.lower() and "web page" not in message
    assert "download the federation metadata xml again" in message.lower()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol3;"/>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x">&xxe;</md:EntityDescriptor>"""

EXTERNAL_ENTITY_IN_ATTRIBUTE = b"""<?xml version="1.0"?>
<!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&xxe;"/>"""


@pytest.mark.parametrize(
    "data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["entity-expansion", "external-entity"]
)
def test_xml_bombs_and_external_entities_are_refused(data):
    """Metadata goes through the hardened parser: no DTD, no entities."""
    with pytest.raises(XMLForbiddenConstruct):
        parse_idp_metadata(data, now=NOW)


def test_external_entity_in_an_attribute_is_refused():
    """libxml2 rejects external entities in attributes outright; the file is refused either way."""
    with pytest.raises(md.SAMLError) as info:
        parse_idp_metadata(EXTERNAL_ENTITY_IN_ATTRIBUTE, now=NOW)
    assert "root:" not in str(info.value)


def test_oversized_metadata_is_refused_before_parsing():
    """A size cap protects the parser; the caller can raise it for large federations."""
    data = document(*(entity(f"https://idp{i}.example.test/") for i in range(20)))
    with pytest.raises(XMLTooLarge):
        parse_idp_metadata(data, now=NOW, max_bytes=1000)


def test_deeply_nested_metadata_is_refused():
    """Deep nesting is refused by the hardened parser."""
    data = document(entity()).replace(
        b"</md:IDPSSODescriptor>", b"<x>" * 100 + b"</x>" * 100 + b"</md:IDPSSODescriptor>"
    )
    with pytest.raises(XMLTooDeep):
        parse_idp_metadata(data, now=NOW)


@pytest.mark.parametrize(
    "data",
    [
        b"<rss version='2.0'><channel/></rss>",
        b"<EntityDescriptor entityID='x'/>",  # no namespace
        b"<md:IDPSSODescriptor xmlns:md='urn:oasis:names:tc:SAML:2.0:metadata'/>",
    ],
)
def test_other_xml_is_reported_as_not_saml_metadata(data):
    """The root must be md:EntityDescriptor or md:EntitiesDescriptor (SAML Metadata 2.3)."""
    with pytest.raises(md.MetadataNotSAML) as info:
        parse_idp_metadata(data, now=NOW)
    assert info.value.code == "saml.metadata_not_saml"
    assert info.value.actual in ("rss", "EntityDescriptor", "md:IDPSSODescriptor")


# --- The IDPSSODescriptor -----------------------------------------------------------------------


def test_metadata_without_idp_descriptor_is_refused():
    """No IDPSSODescriptor: nothing to sign users in with."""
    with pytest.raises(md.MetadataNoIdP) as info:
        parse_idp_metadata(document(entity(roles="")), now=NOW)
    assert info.value.code == "saml.metadata_no_idp"
    assert "identity provider" in info.value.detail


def test_idp_descriptor_without_saml2_protocol_is_ignored():
    """SAML Metadata 2.4.1: a SAML 1.1-only IDPSSODescriptor is not a SAML 2.0 IdP."""
    roles = idp_role(protocols="urn:oasis:names:tc:SAML:1.1:protocol")
    with pytest.raises(md.MetadataNoIdP):
        parse_idp_metadata(document(entity(roles=roles)), now=NOW)


def test_metadata_without_signing_certificate_is_refused():
    """Without a signing certificate no assertion could ever be verified."""
    with pytest.raises(md.MetadataNoSigningCertificate) as info:
        parse_idp_metadata(document(entity(roles=idp_role(keys=[]))), now=NOW)
    assert info.value.code == "saml.metadata_no_signing_certificate"
    assert "signing certificate" in info.value.admin_message()


def test_encryption_only_key_is_not_a_signing_certificate():
    """SAML Metadata 2.4.1.1: use="encryption" keys never verify signatures."""
    with pytest.raises(md.MetadataNoSigningCertificate):
        parse_idp_metadata(
            document(entity(roles=idp_role(keys=[key(CERT_A, "encryption")]))), now=NOW
        )


def test_key_without_certificate_is_not_a_signing_certificate():
    """A bare KeyValue cannot be shown or rolled over like a certificate; it is not used."""
    bare = '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:KeyName>k</ds:KeyName></ds:KeyInfo></md:KeyDescriptor>'
    with pytest.raises(md.MetadataNoSigningCertificate):
        parse_idp_metadata(document(entity(roles=idp_role(keys=[bare]))), now=NOW)


def test_key_descriptor_without_use_is_a_signing_certificate():
    """SAML Metadata 2.4.1.1: a KeyDescriptor without use serves signing as well."""
    result = parse_idp_metadata(document(entity(roles=idp_role(keys=[key(CERT_A, None)]))), now=NOW)
    assert result.signing_certificates == (CERT_A,)


def test_all_signing_certificates_are_kept_in_order_for_rollover():
    """During a rollover several signing certificates are listed; every one is trusted."""
    keys = [key(CERT_B), key(CERT_A, "encryption"), key(CERT_A)]
    result = parse_idp_metadata(document(entity(roles=idp_role(keys=keys))), now=NOW)
    assert result.signing_certificates == (CERT_B, CERT_A)


def test_repeated_signing_certificate_is_listed_once():
    """The same certificate under two KeyDescriptors is one trusted certificate."""
    keys = [key(CERT_A), key(CERT_B, None), key(CERT_A, None)]
    result = parse_idp_metadata(document(entity(roles=idp_role(keys=keys))), now=NOW)
    assert result.signing_certificates == (CERT_A, CERT_B)


def test_certificate_with_line_breaks_and_spaces_is_read():
    """Base64 in ds:X509Certificate is often wrapped; whitespace is ignored."""
    b64 = base64.encodebytes(CERT_A).decode().replace("\n", "\n   ")
    wrapped = key(CERT_A).replace(base64.b64encode(CERT_A).decode(), b64)
    assert parse_idp_metadata(
        document(entity(roles=idp_role(keys=[wrapped]))), now=NOW
    ).signing_certificates == (CERT_A,)


@pytest.mark.parametrize(
    "text",
    [
        "not*base64",
        base64.b64encode(b"not a certificate").decode(),
        base64.b64encode(CERT_A[:200]).decode(),
    ],
)
def test_unreadable_certificate_is_reported(text):
    """A certificate that is not base64 DER X.509 is reported with its position."""
    bad = key(CERT_A).replace(base64.b64encode(CERT_A).decode(), text)
    with pytest.raises(md.MetadataCertificateUnreadable) as info:
        parse_idp_metadata(document(entity(roles=idp_role(keys=[key(CERT_B), bad]))), now=NOW)
    assert info.value.code == "saml.metadata_certificate_unreadable"
    assert info.value.context["position"] == 2


def test_expired_certificate_is_parsed_and_its_expiry_exposed():
    """An expired signing certificate is shown with its dates, not refused (Metadata 2.4.1.1)."""
    result = parse_idp_metadata(sample("shibboleth-idp/metadata-testshib.xml"), now=NOW)
    (info,) = result.certificates
    assert info.not_after == datetime(2016, 8, 27, 21, 12, 25, tzinfo=UTC)
    assert info.is_expired(NOW)
    assert result.expired_certificates(NOW) == (info,)
    assert result.expired_certificates(datetime(2016, 1, 1, tzinfo=UTC)) == ()


def test_certificate_info_shows_subject_issuer_digests_and_validity():
    """The console shows what an administrator compares with the IdP's certificate page.

    Both digests in Entra ID's notation (uppercase hex, no separators), the
    SHA-1 one being what Entra calls the certificate's Thumbprint.
    """
    info = CertificateInfo.from_der(CERT_A)
    assert info.sha256_fingerprint == hashlib.sha256(CERT_A).hexdigest().upper()
    assert info.sha1_thumbprint == hashlib.sha1(CERT_A).hexdigest().upper()
    assert "CN=sp-signing.test.invalid" in info.subject
    assert info.issuer == info.subject
    assert info.not_before == datetime(2026, 1, 1, tzinfo=UTC)
    assert info.not_after == datetime(2046, 1, 1, tzinfo=UTC)


def test_certificate_info_of_garbage_is_an_unreadable_certificate():
    """CertificateInfo reports unreadable input with the metadata error class."""
    with pytest.raises(md.MetadataCertificateUnreadable):
        CertificateInfo.from_der(b"garbage")


# --- Endpoints ----------------------------------------------------------------------------------


def test_redirect_and_post_endpoints_are_read_per_binding():
    """SAML Metadata 2.4.3: SingleSignOnService per binding."""
    endpoints = [
        sso(BINDING_POST, "https://idp.example.test/post"),
        sso(BINDING_REDIRECT, "https://idp.example.test/redirect"),
    ]
    result = parse_idp_metadata(document(entity(roles=idp_role(endpoints=endpoints))), now=NOW)
    assert result.sso_url_redirect == "https://idp.example.test/redirect"
    assert result.sso_url_post == "https://idp.example.test/post"


def test_first_endpoint_of_a_binding_wins():
    """With two endpoints for one binding, the first in document order is used."""
    endpoints = [
        sso(url="https://idp.example.test/first"),
        sso(url="https://idp.example.test/second"),
    ]
    assert (
        parse_idp_metadata(
            document(entity(roles=idp_role(endpoints=endpoints))), now=NOW
        ).sso_url_redirect
        == "https://idp.example.test/first"
    )


def test_post_only_idp_is_accepted():
    """An IdP with only an HTTP-POST endpoint (Google Workspace) is usable."""
    result = parse_idp_metadata(
        document(entity(roles=idp_role(endpoints=[sso(BINDING_POST)]))), now=NOW
    )
    assert (result.sso_url_redirect, result.sso_url_post) == (None, "https://idp.example.test/sso")


def test_metadata_without_redirect_or_post_endpoint_is_refused():
    """SOAP and Artifact endpoints alone cannot start browser sign-in."""
    endpoints = [sso(SOAP), sso(ARTIFACT)]
    with pytest.raises(md.MetadataNoSSOEndpoint) as info:
        parse_idp_metadata(document(entity(roles=idp_role(endpoints=endpoints))), now=NOW)
    assert info.value.code == "saml.metadata_no_sso_endpoint"
    assert info.value.actual == [SOAP, ARTIFACT]


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "/relative/sso", "ftp://idp.example.test/", ""]
)
def test_endpoint_that_is_not_an_absolute_http_url_is_refused(url):
    """The browser is sent to the SSO URL; only absolute http(s) URLs are accepted."""
    with pytest.raises(md.MetadataEndpointInvalid):
        parse_idp_metadata(document(entity(roles=idp_role(endpoints=[sso(url=url)]))), now=NOW)


# --- NameID formats, flags ------------------------------------------------------------------------


def test_name_id_formats_are_read_trimmed_and_without_repeats():
    """NameIDFormat values (SAML Metadata 2.4.1) are listed once each, in order."""
    formats = ("  urn:a  ", "urn:b", "urn:a")
    result = parse_idp_metadata(document(entity(roles=idp_role(formats=formats))), now=NOW)
    assert result.name_id_formats == ("urn:a", "urn:b")


def test_want_authn_requests_signed_is_read():
    """SAML Metadata 2.4.3: the IdP may require signed AuthnRequests."""
    on = idp_role(attrs=' WantAuthnRequestsSigned="true"')
    assert parse_idp_metadata(document(entity(roles=on)), now=NOW).want_authn_requests_signed
    assert not parse_idp_metadata(document(entity()), now=NOW).want_authn_requests_signed


# --- validUntil and cacheDuration -----------------------------------------------------------------


def test_metadata_past_valid_until_is_refused():
    """SAML Metadata 2.3.2: metadata must not be used after validUntil."""
    data = sample("google-workspace/metadata.xml")  # validUntil 2021-01-03T16:17:49Z
    with pytest.raises(md.MetadataExpired) as info:
        parse_idp_metadata(data, now=datetime(2021, 1, 3, 16, 17, 49, tzinfo=UTC))
    assert info.value.code == "saml.metadata_expired"
    assert info.value.actual == "2021-01-03T16:17:49+00:00"
    ok = parse_idp_metadata(data, now=datetime(2021, 1, 3, 16, 17, 48, tzinfo=UTC))
    assert ok.valid_until == datetime(2021, 1, 3, 16, 17, 49, tzinfo=UTC)


def test_valid_until_of_an_enclosing_entities_descriptor_applies():
    """SAML Metadata 2.3.1: validUntil on the EntitiesDescriptor bounds every entity in it."""
    data = document(entity(), attrs=' validUntil="2017-02-01T00:00:00Z"')
    with pytest.raises(md.MetadataExpired):
        parse_idp_metadata(data, now=NOW)


def test_valid_until_of_the_idp_descriptor_applies():
    """SAML Metadata 2.4.1: a role descriptor can carry its own validUntil."""
    data = document(entity(roles=idp_role(attrs=' validUntil="2017-02-01T00:00:00Z"')))
    with pytest.raises(md.MetadataExpired):
        parse_idp_metadata(data, now=NOW)


def test_earliest_valid_until_is_exposed():
    """The strictest of the nested validUntil values is the one that counts."""
    data = document(
        entity(
            attrs=' validUntil="2030-01-01T00:00:00Z"',
            roles=idp_role(attrs=' validUntil="2029-01-01T00:00:00+01:00"'),
        )
    )
    assert parse_idp_metadata(data, now=NOW).valid_until == datetime(2028, 12, 31, 23, tzinfo=UTC)


def test_invalid_valid_until_is_reported():
    """A validUntil that is not an xs:dateTime is reported, not ignored (it is an expiry)."""
    with pytest.raises(md.MetadataInvalidValue) as info:
        parse_idp_metadata(document(entity(attrs=' validUntil="next year"')), now=NOW)
    assert info.value.code == "saml.metadata_invalid_value"


def test_cache_duration_is_parsed_and_the_shortest_wins():
    """SAML Metadata 2.3.2: cacheDuration is an xs:duration; nested values take the minimum."""
    data = document(
        entity(attrs=' cacheDuration="P1D"', roles=idp_role(attrs=' cacheDuration="PT6H"'))
    )
    assert parse_idp_metadata(data, now=NOW).cache_duration == timedelta(hours=6)
    assert parse_idp_metadata(document(entity()), now=NOW).cache_duration is None


def test_invalid_cache_duration_is_reported():
    """A cacheDuration that is not an xs:duration is reported."""
    with pytest.raises(md.MetadataInvalidValue):
        parse_idp_metadata(document(entity(attrs=' cacheDuration="6 hours"')), now=NOW)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("PT6H", timedelta(hours=6)),
        ("P1D", timedelta(days=1)),
        ("P1DT2H3M4S", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("PT0.5S", timedelta(seconds=0.5)),
        ("P1Y2M", timedelta(days=365 + 60)),
        ("-PT1M", timedelta(minutes=-1)),
        ("PT0S", timedelta(0)),
    ],
)
def test_xs_duration_values_parse(text, expected):
    """XML Schema 2, 3.2.6: the duration forms metadata uses."""
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["P", "PT", "1D", "P1H", "PT1D", "P-1D", "", "P1.5D"])
def test_malformed_xs_durations_are_refused(text):
    """Anything that is not an xs:duration raises ValueError."""
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("delta", [timedelta(0), timedelta(hours=6), timedelta(days=2, seconds=61)])
def test_format_duration_round_trips(delta):
    """The SP writes cacheDuration in a form the parser (and other SAML software) reads back."""
    assert parse_duration(format_duration(delta)) == delta


# --- The result -------------------------------------------------------------------------------


def test_identity_provider_configuration_is_built_from_the_metadata():
    """The validator's configuration comes from metadata only."""
    result = parse_idp_metadata(sample("entra-id/federationmetadata-common.xml"), now=NOW)
    assert result.identity_provider() == IdentityProvider(
        entity_id="https://sts.windows.net/{tenantid}/",
        signing_certificates=result.signing_certificates,
        sso_url_redirect="https://login.microsoftonline.com/common/saml2",
        sso_url_post="https://login.microsoftonline.com/common/saml2",
    )


def test_result_is_immutable():
    """Parsed metadata is a frozen value; nothing downstream can alter what is trusted."""
    result = parse_idp_metadata(document(entity()), now=NOW)
    with pytest.raises(AttributeError):
        result.entity_id = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.sso_urls[BINDING_POST] = "https://evil.example.test/"  # type: ignore[index]


def test_naive_clock_is_refused():
    """Comparing validUntil needs an aware datetime."""
    with pytest.raises(ValueError):
        parse_idp_metadata(document(entity()), now=datetime(2017, 3, 1))


ERROR_CODES = {
    md.MetadataNotXML: "saml.metadata_not_xml",
    md.MetadataIncomplete: "saml.metadata_incomplete",
    md.MetadataNotSAML: "saml.metadata_not_saml",
    md.MetadataNoIdP: "saml.metadata_no_idp",
    md.MetadataEntityAmbiguous: "saml.metadata_entity_ambiguous",
    md.MetadataEntityNotFound: "saml.metadata_entity_not_found",
    md.MetadataNoSigningCertificate: "saml.metadata_no_signing_certificate",
    md.MetadataNoSSOEndpoint: "saml.metadata_no_sso_endpoint",
    md.MetadataEndpointInvalid: "saml.metadata_endpoint_invalid",
    md.MetadataExpired: "saml.metadata_expired",
    md.MetadataCertificateUnreadable: "saml.metadata_certificate_unreadable",
    md.MetadataInvalidValue: "saml.metadata_invalid_value",
    md.MetadataUnsigned: "saml.metadata_unsigned",
    md.MetadataSignatureInvalid: "saml.metadata_signature_invalid",
}


def test_each_metadata_error_has_its_own_stable_code_and_an_admin_next_step():
    """Codes are what administrators search for; each class says what to do."""
    assert {cls.code for cls in ERROR_CODES} == set(ERROR_CODES.values())
    for cls, code in ERROR_CODES.items():
        assert cls.code == code
        assert issubclass(cls, md.MetadataError)
        assert cls.admin_hint and cls.admin_hint != md.SAMLError.admin_hint
        assert cls.__doc__.strip()
        error = cls()
        assert error.as_dict()["code"] == code
