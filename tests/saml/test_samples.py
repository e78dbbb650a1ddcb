"""Real responses from real identity providers validate, and stop validating when one byte changes.

The samples (``tests/data/idp-samples``) are bound to their original time,
audience and recipient, so each is validated with the clock at its
IssueInstant and an SP configuration that matches it. IdP certificates come
from the sample's metadata (through ``parse_idp_metadata``) or PEM file.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from ssoconsole.saml import errors
from ssoconsole.saml.config import Expected, IdentityProvider, ServiceProvider, ValidationPolicy
from ssoconsole.saml.encryption import EncryptionKeyMissing
from ssoconsole.saml.metadata import parse_idp_metadata
from ssoconsole.saml.response import validate_response
from ssoconsole.saml.xml import NS, parse_untrusted
from ssoconsole.saml.xmldsig import DigestMismatch, SHA1Refused, verify_signed_element


@dataclass(frozen=True)
class Sample:
    name: str
    path: str
    certificates: str  # a metadata file, or a PEM certificate
    issued: str
    entity_id: str
    acs_url: str
    request_id: str
    name_id: str
    sha1: bool = False


RESPONSES = [
    Sample(
        "adfs",
        "adfs/response-2017.xml",
        "adfs/adfs-signing-cert.pem",
        "2017-09-21T23:27:06.828+00:00",
        "https://saml.test.nope/session/sso/saml/spentityid/dknhyszjl7",
        "https://saml.test.nope/session/sso/saml/acs/dknhyszjl7",
        "_5988bf45-1cc8-4228-b3e8-1aa8590e63d3",
        "paul@spstest2.com",
    ),
    Sample(
        "okta",
        "okta/response-2016.xml",
        "okta/okta-cert-2016.pem",
        "2016-07-25T23:20:14.859+00:00",
        '"123"',
        "http://localhost:8080/v1/_saml_callback",
        "_15f66d2d-628b-4d9b-a99e-089d8da862e1",
        "russellhaering",
    ),
    Sample(
        "google",
        "google-workspace/response-2016.xml",
        "google-workspace/metadata.xml",
        "2016-01-05T16:55:39.348+00:00",
        "https://29ee6d2e.ngrok.io/saml/metadata",
        "https://29ee6d2e.ngrok.io/saml/acs",
        "id-fd419a5ab0472645427f8e07d87a3a5dd0b2e9a6",
        "ross@octolabs.io",
    ),
    Sample(
        "onelogin",
        "onelogin/response-2016.xml",
        "onelogin/metadata.xml",
        "2016-01-05T17:53:11+00:00",
        "https://29ee6d2e.ngrok.io/saml/metadata",
        "https://29ee6d2e.ngrok.io/saml/acs",
        "id-d40c15c104b52691eccf0a2a5c8a15595be75423",
        "ross@kndr.org",
        sha1=True,
    ),
]


def certificates(samples, source: str, now: datetime) -> tuple[bytes, ...]:
    data = (samples / source).read_bytes()
    if source.endswith(".pem"):
        return (x509.load_pem_x509_certificate(data).public_bytes(Encoding.DER),)
    return parse_idp_metadata(data, now=now).signing_certificates


def issuer_of(document: bytes) -> str:
    root = parse_untrusted(document)
    return root.findtext(f".//{{{NS['saml']}}}Issuer").strip()


def run(
    samples, sample: Sample, document: bytes | None = None, policy: ValidationPolicy | None = None
):
    now = datetime.fromisoformat(sample.issued)
    document = document if document is not None else (samples / sample.path).read_bytes()
    idp = IdentityProvider(
        entity_id=issuer_of(document),
        signing_certificates=certificates(samples, sample.certificates, now),
    )
    return validate_response(
        base64.b64encode(document),
        sp=ServiceProvider(entity_id=sample.entity_id, acs_url=sample.acs_url),
        idp=idp,
        expected=Expected(request_id=sample.request_id),
        policy=policy or ValidationPolicy(insecure_allow_sha1=sample.sha1),
        now=now,
    )


@pytest.mark.parametrize("sample", RESPONSES, ids=[s.name for s in RESPONSES])
def test_real_response_validates_at_its_issue_instant(samples, sample):
    """Each provider's real, signed response passes every rule with a matching configuration."""
    result = run(samples, sample)
    assert result.name_id == sample.name_id
    assert result.in_response_to == sample.request_id


@pytest.mark.parametrize("sample", RESPONSES, ids=[s.name for s in RESPONSES])
def test_real_response_with_one_changed_byte_is_refused(samples, sample):
    """Changing one character of the signed NameID breaks the digest."""
    document = (samples / sample.path).read_bytes()
    root = parse_untrusted(document)
    name_id = root.findtext(f".//{{{NS['saml']}}}NameID")
    position = document.index(name_id.encode())
    changed = document[:position] + bytes([document[position] ^ 0x01]) + document[position + 1 :]
    with pytest.raises(DigestMismatch):
        run(samples, sample, changed)


@pytest.mark.parametrize("sample", RESPONSES, ids=[s.name for s in RESPONSES])
def test_real_response_a_day_later_is_refused(samples, sample):
    """The same response replayed a day later has expired."""
    late = Sample(
        **{
            **sample.__dict__,
            "issued": (datetime.fromisoformat(sample.issued) + timedelta(days=2)).isoformat(),
        }
    )
    with pytest.raises(
        (errors.AssertionExpired, errors.SubjectConfirmationExpired, errors.SessionExpired)
    ):
        run(samples, late)


def test_onelogin_sha1_response_needs_the_insecure_switch(samples):
    """OneLogin's 2016 response is RSA-SHA1: refused by default, accepted with insecure_allow_sha1."""
    with pytest.raises(SHA1Refused):
        run(samples, RESPONSES[3], policy=ValidationPolicy())


def test_entra_assertion_verifies_with_the_federation_metadata_certificates(samples):
    """Entra's signed assertion verifies with one of the three signing keys of its metadata."""
    now = datetime.fromisoformat("2017-03-20T15:52:31+00:00")
    certs = certificates(samples, "entra-id/federationmetadata-common.xml", now)
    assert len(certs) > 1
    assertion = parse_untrusted((samples / "entra-id/assertion-2017.xml").read_bytes())
    verified = verify_signed_element(assertion, certs)
    assert verified.findtext(f"{{{NS['saml']}}}Issuer").startswith("https://sts.windows.net/")


def test_entra_assertion_with_one_changed_byte_is_refused(samples):
    """One changed character of Entra's signed Audience breaks the digest."""
    now = datetime.fromisoformat("2017-03-20T15:52:31+00:00")
    certs = certificates(samples, "entra-id/federationmetadata-common.xml", now)
    document = (
        (samples / "entra-id/assertion-2017.xml")
        .read_bytes()
        .replace(b"spn:fe78e0b4", b"spn:fe78e0b5")
    )
    with pytest.raises(DigestMismatch):
        verify_signed_element(parse_untrusted(document), certs)


def test_okta_encrypted_response_is_verified_before_decryption_is_attempted(samples):
    """Okta's signed response verifies; without the SP key the refusal is the missing key, not the signature."""
    now = datetime.fromisoformat("2020-03-03T19:24:29.213+00:00")
    document = (samples / "okta/response-2020-signed-encrypted-assertion.xml").read_bytes()
    certs = certificates(samples, "okta/metadata.xml", now)
    assert (
        verify_signed_element(parse_untrusted(document), certs).get("ID")
        == "id84952199689057361896939333"
    )
    with pytest.raises(EncryptionKeyMissing):
        validate_response(
            base64.b64encode(document),
            sp=ServiceProvider(
                entity_id="http://localhost:8000/saml/metadata",
                acs_url="http://localhost:8000/saml/acs",
            ),
            idp=IdentityProvider(
                entity_id="http://www.okta.com/exkppsa1qwuFV4D7z0h7", signing_certificates=certs
            ),
            expected=Expected(request_id="id-a7364d1e4432aa9085a7a8bd824ea2fa8fa8f684"),
            now=now,
        )


def test_okta_encrypted_response_with_one_changed_byte_is_refused(samples):
    """One changed character of the signed EncryptedData breaks the Response digest."""
    now = datetime.fromisoformat("2020-03-03T19:24:29.213+00:00")
    document = (samples / "okta/response-2020-signed-encrypted-assertion.xml").read_bytes()
    root = parse_untrusted(document)
    value = root.find(
        f".//{{{NS['xenc']}}}EncryptedData/{{{NS['xenc']}}}CipherData/{{{NS['xenc']}}}CipherValue"
    )
    value.text = ("B" if value.text[0] != "B" else "C") + value.text[1:]
    with pytest.raises(DigestMismatch):
        verify_signed_element(root, certificates(samples, "okta/metadata.xml", now))


@pytest.mark.parametrize(
    "path,sha1",
    [
        ("entra-id/federationmetadata-common.xml", False),
        ("entra-id/microsoftonline-federation-metadata.xml", True),
        ("adfs/federationmetadata-adfs-v3.xml", False),
        ("adfs/federationmetadata-adfs-v4.xml", False),
    ],
)
def test_signed_metadata_verifies_with_its_own_certificate(samples, path, sha1):
    """Signed federation metadata (EntityDescriptor, with a UTF-8 BOM for Entra) verifies: integrity only."""
    root = parse_untrusted((samples / path).read_bytes(), max_bytes=1 << 21)
    signature = root.find(f"{{{NS['ds']}}}Signature")
    own = base64.b64decode("".join(signature.findtext(f".//{{{NS['ds']}}}X509Certificate").split()))
    verified = verify_signed_element(root, [own], policy=ValidationPolicy(insecure_allow_sha1=sha1))
    assert etree.QName(verified).localname == "EntityDescriptor"


@pytest.mark.parametrize(
    "sample", [s for s in RESPONSES if not s.sha1], ids=[s.name for s in RESPONSES if not s.sha1]
)
def test_signxml_agrees_on_the_real_signatures_we_accept(samples, sample):
    """An independent implementation verifies every real signature this verifier accepts."""
    from signxml import SignatureConfiguration, XMLVerifier

    now = datetime.fromisoformat(sample.issued)
    document = (samples / sample.path).read_bytes()
    root = parse_untrusted(document)
    signed = [root] if root.find(f"{{{NS['ds']}}}Signature") is not None else []
    signed += [
        a
        for a in root.iter(f"{{{NS['saml']}}}Assertion")
        if a.find(f"{{{NS['ds']}}}Signature") is not None
    ]
    assert signed
    certs = certificates(samples, sample.certificates, now)
    for element in signed:
        ours = verify_signed_element(element, certs)
        pem = x509.load_der_x509_certificate(certs[0]).public_bytes(Encoding.PEM).decode()
        theirs = XMLVerifier().verify(
            parse_untrusted(etree.tostring(element)),
            x509_cert=pem,
            expect_references=1,
            expect_config=SignatureConfiguration(verification_time=now),
        )
        assert theirs.signed_xml.get("ID") == ours.get("ID")
