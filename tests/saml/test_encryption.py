"""EncryptedAssertion: decrypted with the SP key, then held to the same signature rules."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest
import signing as s
from lxml import etree

from ssoconsole.saml import errors
from ssoconsole.saml.encryption import (
    DecryptionFailed,
    EncryptedAssertionMalformed,
    EncryptionAlgorithmUnsupported,
    EncryptionKeyMissing,
    decrypt_assertion,
)
from ssoconsole.saml.response import validate_response
from ssoconsole.saml.xmldsig import SignatureMissing

XENC, XENC11 = s.XENC, s.XENC11
SP_KEY = s.keypair("sp-encryption")
SP_WITH_KEY = replace(s.SP, encryption_key_pem=SP_KEY.key_pem, encryption_cert_pem=SP_KEY.cert_pem)


def validate(xml: bytes, sp=SP_WITH_KEY):
    return validate_response(
        s.encode(xml), sp=sp, idp=s.idp_config(), expected=s.expected(), now=s.NOW
    )


def encrypted_response(sign="assertion", **encryption) -> bytes:
    return s.build_response(sign=sign, encrypt_for=SP_KEY, encryption=encryption)


@pytest.mark.parametrize(
    "content",
    [XENC11 + "aes128-gcm", XENC11 + "aes256-gcm", XENC + "aes128-cbc", XENC + "aes256-cbc"],
    ids=["aes128-gcm", "aes256-gcm", "aes128-cbc", "aes256-cbc"],
)
def test_signed_assertion_is_decrypted_with_each_content_algorithm(content):
    """AES-GCM and AES-CBC content encryption decrypt to the signed assertion."""
    assert validate(encrypted_response(content=content)).name_id == "alice@example.com"


@pytest.mark.parametrize(
    "transport",
    [
        {"key_transport": XENC + "rsa-oaep-mgf1p"},
        {"key_transport": XENC + "rsa-oaep-mgf1p", "oaep_digest": s.SHA256},
        {"key_transport": XENC11 + "rsa-oaep"},
        {
            "key_transport": XENC11 + "rsa-oaep",
            "oaep_digest": s.SHA256,
            "mgf": XENC11 + "mgf1sha256",
        },
    ],
    ids=["mgf1p-sha1", "mgf1p-sha256", "xenc11-default", "xenc11-sha256-mgf1sha256"],
)
def test_rsa_oaep_key_transport_variants_are_accepted(transport):
    """RSA-OAEP in both URIs, with SHA-1 or SHA-256 digests and MGF1 variants."""
    assert validate(encrypted_response(**transport)).name_id == "alice@example.com"


def test_encrypted_key_beside_encrypted_data_is_found():
    """SAML Core 2.3.4 allows the EncryptedKey as a sibling of EncryptedData."""
    assert validate(encrypted_response(key_inside=False)).name_id == "alice@example.com"


def test_encrypted_assertion_in_a_signed_response_is_accepted():
    """A Response signature covering the EncryptedAssertion also covers what it decrypts to."""
    assert validate(encrypted_response(sign="response")).name_id == "alice@example.com"


def test_unsigned_encrypted_assertion_is_refused():
    """Anyone can encrypt to the SP's public key: decryption proves nothing, a signature is still needed."""
    with pytest.raises(SignatureMissing):
        validate(encrypted_response(sign=None))


def test_encrypted_assertion_signed_by_a_foreign_key_is_refused():
    """The decrypted assertion's signature is checked against the metadata like any other."""
    xml = s.build_response(key=s.keypair("attacker"), encrypt_for=SP_KEY)
    with pytest.raises(errors.SAMLError) as info:
        validate(xml)
    assert info.value.code == "saml.signature_untrusted_key"


def test_missing_decryption_key_is_reported():
    """Without an SP key the admin learns to turn off token encryption or upload the certificate."""
    with pytest.raises(EncryptionKeyMissing) as info:
        validate(encrypted_response(), sp=s.SP)
    assert "no SP decryption key is configured" in info.value.admin_message()
    assert "Token encryption" in info.value.admin_message()


def test_assertion_encrypted_for_another_key_fails_to_decrypt():
    """Encrypted for someone else's certificate: saml.decryption_failed."""
    xml = s.build_response(encrypt_for=s.keypair("other-sp"))
    with pytest.raises(DecryptionFailed):
        validate(xml)


def test_tampered_ciphertext_fails_to_decrypt_under_gcm():
    """GCM's tag catches a changed ciphertext."""
    root = etree.fromstring(encrypted_response())
    value = root.find(f".//{{{XENC}}}EncryptedData/{{{XENC}}}CipherData/{{{XENC}}}CipherValue")
    raw = bytearray(base64.b64decode(value.text))
    raw[20] ^= 1
    value.text = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(DecryptionFailed):
        validate(etree.tostring(root))


@pytest.mark.parametrize(
    "options",
    [
        {"content": "http://www.w3.org/2001/04/xmlenc#tripledes-cbc"},
        {"key_transport": "http://www.w3.org/2001/04/xmlenc#rsa-1_5"},
    ],
    ids=["tripledes", "rsa-1_5"],
)
def test_weak_algorithms_are_refused(options):
    """Triple DES and RSA PKCS#1 v1.5 key transport (Bleichenbacher) are refused before decrypting."""
    root = etree.fromstring(encrypted_response())
    if "content" in options:
        root.find(f".//{{{XENC}}}EncryptedData/{{{XENC}}}EncryptionMethod").set(
            "Algorithm", options["content"]
        )
    else:
        root.find(f".//{{{XENC}}}EncryptedKey/{{{XENC}}}EncryptionMethod").set(
            "Algorithm", options["key_transport"]
        )
    with pytest.raises(EncryptionAlgorithmUnsupported):
        validate(etree.tostring(root))


def test_encrypted_assertion_without_a_key_is_malformed():
    """No EncryptedKey anywhere: saml.encrypted_assertion_malformed."""
    root = etree.fromstring(encrypted_response())
    key = root.find(f".//{{{XENC}}}EncryptedKey")
    key.getparent().remove(key)
    with pytest.raises(EncryptedAssertionMalformed):
        validate(etree.tostring(root))


def test_decrypted_content_must_be_exactly_one_assertion():
    """Plaintext that is not one Assertion element is refused, whatever it parses to."""
    other = etree.Element(f"{{{s.SAML}}}Issuer")
    other.text = "x"
    encrypted = s.encrypt_element(other, SP_KEY)
    with pytest.raises(EncryptedAssertionMalformed):
        decrypt_assertion(encrypted, SP_KEY.key_pem)


@pytest.mark.parametrize(
    "plaintext",
    [b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', b"<a>" * 100 + b"</a>" * 100, b"not xml"],
    ids=["dtd", "deep", "not-xml"],
)
def test_decrypted_plaintext_goes_through_the_hardened_parser(plaintext):
    """The plaintext is untrusted XML: DTDs, deep nesting and garbage are refused."""
    with pytest.raises(errors.SAMLError):
        decrypt_assertion(s.encrypt_element(plaintext, SP_KEY), SP_KEY.key_pem)


def test_plaintext_with_a_closing_wrapper_tag_cannot_escape():
    """Plaintext that tries to close the parsing wrapper and add siblings is refused."""
    assertion = etree.tostring(s.build_assertion())
    with pytest.raises(errors.SAMLError):
        decrypt_assertion(
            s.encrypt_element(assertion + b"</w><w>" + assertion, SP_KEY), SP_KEY.key_pem
        )


def test_plaintext_with_a_second_element_is_refused():
    """An Assertion followed by another element is not "exactly one Assertion"."""
    assertion = etree.tostring(s.build_assertion())
    with pytest.raises(EncryptedAssertionMalformed):
        decrypt_assertion(s.encrypt_element(assertion + b"<extra/>", SP_KEY), SP_KEY.key_pem)


def test_unreadable_decryption_key_is_reported_as_missing_key():
    """A broken configured key is a configuration error with its own message, never a crash."""
    with pytest.raises(EncryptionKeyMissing) as info:
        validate(
            encrypted_response(),
            sp=replace(
                SP_WITH_KEY,
                encryption_key_pem=b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            ),
        )
    assert "cannot be read" in info.value.admin_message()


def test_oaep_params_that_are_not_base64_are_malformed():
    """A damaged OAEPparams is refused as malformed, not an unexpected exception."""
    root = etree.fromstring(encrypted_response())
    method = root.find(f".//{{{XENC}}}EncryptedKey/{{{XENC}}}EncryptionMethod")
    etree.SubElement(method, f"{{{XENC}}}OAEPparams").text = "***"
    with pytest.raises(EncryptedAssertionMalformed):
        validate(etree.tostring(root))
