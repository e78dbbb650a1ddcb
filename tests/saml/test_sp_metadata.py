"""SP metadata: what the IdP imports to trust and reach this service provider."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest
from golden_files import assert_matches_golden
from lxml import etree
from saml_schemas import METADATA_XSD, assert_schema_valid
from sp_keys import SP_ENCRYPTION_CERT_PEM, SP_SIGNING_CERT_PEM, der, service_provider

from ssoconsole.saml.config import BINDING_POST, NAMEID_EMAIL
from ssoconsole.saml.sp_metadata import (
    SPCertificateMissing,
    SPCertificateUnreadable,
    build_sp_metadata,
)

NS = {"md": "urn:oasis:names:tc:SAML:2.0:metadata", "ds": "http://www.w3.org/2000/09/xmldsig#"}


def _unsigned_requests() -> bytes:
    return build_sp_metadata(service_provider(signing=False), sign_requests=False)


def _signed_requests() -> bytes:
    return build_sp_metadata(
        service_provider(signing=True, encryption=True),
        sign_requests=True,
        valid_until=datetime(2027, 11, 27, 5, 0, tzinfo=UTC),
        cache_duration=timedelta(hours=6),
    )


def _root(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def _key_certs(xml: bytes, use: str) -> list[bytes]:
    return [
        base64.b64decode("".join(c.text.split()))
        for c in _root(xml).iterfind(
            f".//md:KeyDescriptor[@use='{use}']/ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS
        )
    ]


def test_unsigned_requests_metadata_matches_golden_file():
    """The metadata of a tenant that does not sign requests is pinned byte for byte."""
    assert_matches_golden("sp-metadata-unsigned-requests.xml", _unsigned_requests())


def test_signed_requests_metadata_matches_golden_file():
    """The metadata of a tenant that signs requests and decrypts assertions is pinned."""
    assert_matches_golden("sp-metadata-signed-requests.xml", _signed_requests())


@pytest.mark.parametrize(
    "build", [_unsigned_requests, _signed_requests], ids=["unsigned", "signed"]
)
def test_metadata_is_valid_against_the_oasis_metadata_schema(build):
    """Every variant validates against saml-schema-metadata-2.0.xsd (element order included)."""
    assert_schema_valid(build(), METADATA_XSD)


def test_schema_check_catches_a_misplaced_element():
    """The schema validation is real: NameIDFormat after the ACS is reported invalid."""
    root = _root(_unsigned_requests())
    role = root.find("md:SPSSODescriptor", NS)
    role.append(role.find("md:NameIDFormat", NS))
    with pytest.raises(pytest.fail.Exception):
        assert_schema_valid(etree.tostring(root), METADATA_XSD)


def test_entity_id_and_default_post_acs_are_advertised():
    """SAML Metadata 2.4.4: the one ACS is HTTP-POST, index 0, the default, at the ACS URL."""
    sp = service_provider(signing=False)
    root = _root(_unsigned_requests())
    assert root.get("entityID") == sp.entity_id
    services = root.findall("md:SPSSODescriptor/md:AssertionConsumerService", NS)
    assert [
        (s.get("Binding"), s.get("Location"), s.get("index"), s.get("isDefault")) for s in services
    ] == [(BINDING_POST, sp.acs_url, "0", "true")]


def test_want_assertions_signed_is_always_true():
    """WantAssertionsSigned tells the IdP that unsigned assertions are refused."""
    for xml in (_unsigned_requests(), _signed_requests()):
        assert _root(xml).find("md:SPSSODescriptor", NS).get("WantAssertionsSigned") == "true"


def test_authn_requests_signed_follows_the_tenant_setting():
    """AuthnRequestsSigned is true exactly when the tenant signs its requests."""
    assert (
        _root(_unsigned_requests()).find("md:SPSSODescriptor", NS).get("AuthnRequestsSigned")
        == "false"
    )
    assert (
        _root(_signed_requests()).find("md:SPSSODescriptor", NS).get("AuthnRequestsSigned")
        == "true"
    )


def test_protocol_support_is_saml_2_0():
    """SAML Metadata 2.4.1: protocolSupportEnumeration names the SAML 2.0 protocol."""
    role = _root(_unsigned_requests()).find("md:SPSSODescriptor", NS)
    assert role.get("protocolSupportEnumeration") == "urn:oasis:names:tc:SAML:2.0:protocol"


def test_signing_key_descriptor_carries_the_sp_signing_certificate():
    """When requests are signed, the IdP gets the certificate to verify them with."""
    assert _key_certs(_signed_requests(), "signing") == [der(SP_SIGNING_CERT_PEM)]


def test_no_signing_key_descriptor_when_requests_are_not_signed():
    """A signing key is not advertised for requests that are never signed."""
    xml = build_sp_metadata(service_provider(signing=True), sign_requests=False)
    assert _key_certs(xml, "signing") == []
    assert _root(xml).find(".//md:KeyDescriptor", NS) is None


def test_encryption_key_descriptor_only_when_an_encryption_certificate_is_set():
    """The IdP may encrypt assertions only to a key the SP actually has."""
    assert _key_certs(_signed_requests(), "encryption") == [der(SP_ENCRYPTION_CERT_PEM)]
    assert _key_certs(_unsigned_requests(), "encryption") == []
    both = build_sp_metadata(service_provider(signing=False, encryption=True), sign_requests=False)
    assert _key_certs(both, "encryption") == [der(SP_ENCRYPTION_CERT_PEM)]
    assert_schema_valid(both, METADATA_XSD)


def test_encryption_key_descriptor_lists_the_accepted_algorithms_in_preference_order():
    """SAML Metadata 2.4.1.1: EncryptionMethod elements name what the SP decrypts, AES-GCM first, no RSA 1.5."""
    descriptor = _root(_signed_requests()).find(
        "md:SPSSODescriptor/md:KeyDescriptor[@use='encryption']", NS
    )
    assert [m.get("Algorithm") for m in descriptor.findall("md:EncryptionMethod", NS)] == [
        "http://www.w3.org/2009/xmlenc11#aes256-gcm",
        "http://www.w3.org/2009/xmlenc11#aes128-gcm",
        "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
        "http://www.w3.org/2009/xmlenc11#rsa-oaep",
        "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
    ]
    signing = _root(_signed_requests()).find(
        "md:SPSSODescriptor/md:KeyDescriptor[@use='signing']", NS
    )
    assert signing.find("md:EncryptionMethod", NS) is None


def test_no_single_logout_service_is_advertised():
    """The console does not do Single Logout, so the metadata must not offer it."""
    for xml in (_unsigned_requests(), _signed_requests()):
        assert _root(xml).find(".//md:SingleLogoutService", NS) is None
        assert b"SingleLogout" not in xml


def test_name_id_format_is_the_configured_one():
    """NameIDFormat tells the IdP which identifier format the SP expects."""
    formats = [e.text for e in _root(_unsigned_requests()).iterfind(".//md:NameIDFormat", NS)]
    assert formats == [NAMEID_EMAIL]


def test_valid_until_and_cache_duration_are_written_in_schema_formats():
    """SAML Metadata 2.3.2: validUntil is a UTC xs:dateTime, cacheDuration an xs:duration."""
    root = _root(_signed_requests())
    assert root.get("validUntil") == "2027-11-27T05:00:00Z"
    assert root.get("cacheDuration") == "PT6H"


def test_valid_until_in_another_zone_is_written_in_utc():
    """SAML Core 1.3.3: times are UTC; an offset is converted, not copied."""
    plus_two = timezone(timedelta(hours=2))
    xml = build_sp_metadata(
        service_provider(signing=False),
        sign_requests=False,
        valid_until=datetime(2027, 1, 1, 2, 0, tzinfo=plus_two),
    )
    assert _root(xml).get("validUntil") == "2027-01-01T00:00:00Z"


def test_naive_valid_until_is_refused():
    """A time without a zone is ambiguous and would be written wrongly."""
    with pytest.raises(ValueError):
        build_sp_metadata(
            service_provider(signing=False), sign_requests=False, valid_until=datetime(2027, 1, 1)
        )


def test_organization_is_added_only_with_name_and_url():
    """SAML Metadata 2.3.2.1: an Organization needs a name, a display name and a URL."""
    from dataclasses import replace

    sp = replace(service_provider(signing=False), organization_name="Example Corp")
    assert _root(build_sp_metadata(sp, sign_requests=False)).find("md:Organization", NS) is None
    xml = build_sp_metadata(sp, sign_requests=False, organization_url="https://example.test/")
    org = _root(xml).find("md:Organization", NS)
    assert org.findtext("md:OrganizationURL", namespaces=NS) == "https://example.test/"
    assert_schema_valid(xml, METADATA_XSD)


def test_signing_requests_without_a_certificate_is_refused():
    """A tenant cannot advertise signed requests without a certificate to verify them."""
    with pytest.raises(SPCertificateMissing) as info:
        build_sp_metadata(service_provider(signing=False), sign_requests=True)
    assert info.value.code == "saml.sp_certificate_missing"


def test_unreadable_sp_certificate_is_refused():
    """A corrupted stored certificate is reported, not published."""
    from dataclasses import replace

    sp = replace(
        service_provider(signing=True),
        signing_cert_pem=b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    with pytest.raises(SPCertificateUnreadable) as info:
        build_sp_metadata(sp, sign_requests=True)
    assert info.value.code == "saml.sp_certificate_unreadable"


def _rotating() -> bytes:
    """During a rotation: the next signing and encryption certificates beside the current ones."""
    return build_sp_metadata(
        service_provider(signing=True, encryption=True),
        sign_requests=True,
        extra_signing_certs=[SP_ENCRYPTION_CERT_PEM],
        extra_encryption_certs=[SP_SIGNING_CERT_PEM],
    )


def test_a_key_rotation_publishes_the_next_certificates_after_the_current_ones():
    """Both certificates of each use are listed, current first, and the document stays schema-valid."""
    xml = _rotating()
    assert _key_certs(xml, "signing") == [der(SP_SIGNING_CERT_PEM), der(SP_ENCRYPTION_CERT_PEM)]
    assert _key_certs(xml, "encryption") == [
        der(SP_ENCRYPTION_CERT_PEM),
        der(SP_SIGNING_CERT_PEM),
    ]
    descriptors = _root(xml).findall(".//md:KeyDescriptor[@use='encryption']", NS)
    assert all(d.findall("md:EncryptionMethod", NS) for d in descriptors)
    assert_schema_valid(xml, METADATA_XSD)
