"""Encrypted assertions at the ACS (docs/rules.md#encrypted-assertions; Entra ID "Token encryption").

The test IdP encrypts its signed assertion to the certificate the SP metadata
publishes, read over HTTP as an IdP would, so the whole chain runs: key
generation, sealing, publication, unsealing in the ACS, the core's
decryption and the usual validation.
"""

from __future__ import annotations

import base64

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from ssoconsole.accounts.models import ConsoleSession
from ssoconsole.sso.models import SPIdentity

from . import helpers
from .test_acs_refusals import assert_refused

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
XENC = "http://www.w3.org/2001/04/xmlenc#"


def published_recipient(client, tenant) -> helpers.signing.KeyPair:
    """Return the SP's encryption certificate from its metadata, as the IdP's encryption target."""
    root = etree.fromstring(client.get(f"/sso/{tenant.id}/metadata").content)
    text = root.findtext(
        f".//{{{MD}}}KeyDescriptor[@use='encryption']/{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate"
    )
    cert_der = base64.b64decode("".join(text.split()))
    cert_pem = x509.load_der_x509_certificate(cert_der).public_bytes(serialization.Encoding.PEM)
    # Only the public half: the test IdP never holds the SP's private key.
    return helpers.signing.KeyPair(
        private_key=None, cert_der=cert_der, cert_pem=cert_pem, key_pem=b""
    )


def test_an_assertion_encrypted_to_the_published_certificate_signs_the_user_in(
    browser_client, sso_user, tenant
):
    """Entra ID's default layout: signed assertion, then AES-256-CBC content and RSA-OAEP key transport."""
    recipient = published_recipient(browser_client.client, tenant)
    started = browser_client.start(sso_user.username)
    value = helpers.answer(
        tenant,
        started["id"],
        sso_user.username,
        encrypt_for=recipient,
        encryption={"content": XENC + "aes256-cbc"},
    )
    assert b"EncryptedAssertion" in base64.b64decode(value)
    response = browser_client.post_acs(value, started["relay_state"])
    assert response.status_code == 303, response.content[:400]
    assert browser_client.me().json()["username"] == sso_user.username


def test_aes_gcm_with_xml_encryption_1_1_oaep_also_signs_in(browser_client, sso_user, tenant):
    """The algorithms the metadata lists first (AES-256-GCM, rsa-oaep with SHA-256) are accepted too."""
    recipient = published_recipient(browser_client.client, tenant)
    started = browser_client.start(sso_user.username)
    value = helpers.answer(
        tenant,
        started["id"],
        sso_user.username,
        encrypt_for=recipient,
        encryption={
            "content": XENC11 + "aes256-gcm",
            "key_transport": XENC11 + "rsa-oaep",
            "oaep_digest": "http://www.w3.org/2001/04/xmlenc#sha256",
            "mgf": XENC11 + "mgf1sha256",
        },
    )
    assert browser_client.post_acs(value, started["relay_state"]).status_code == 303
    assert ConsoleSession.objects.count() == 1


def test_an_assertion_encrypted_to_another_key_is_refused_with_the_cores_code(
    browser_client, sso_user, tenant
):
    """An IdP still holding an old or foreign certificate gets saml.decryption_failed on a 4xx page."""
    published_recipient(
        browser_client.client, tenant
    )  # the tenant has its own key; the IdP uses another
    started = browser_client.start(sso_user.username)
    value = helpers.answer(
        tenant, started["id"], sso_user.username, encrypt_for=helpers.key("someone-else")
    )
    page = assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "saml.decryption_failed",
        status=400,
        tenant=tenant,
        clients=[browser_client],
    )
    assert "could not be decrypted" in page


def test_an_unreadable_encryption_key_refuses_only_encrypted_answers(
    browser_client, sso_user, tenant
):
    """A sealed key that no longer opens is named as such, and unencrypted sign-ins keep working."""
    recipient = published_recipient(browser_client.client, tenant)
    identity = SPIdentity.objects.get(tenant=tenant)
    SPIdentity.objects.filter(pk=identity.pk).update(
        encryption_key_encrypted=identity.private_key_encrypted
    )

    started = browser_client.start(sso_user.username)
    value = helpers.answer(tenant, started["id"], sso_user.username, encrypt_for=recipient)
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "sso.sp_decryption_key_unavailable",
        status=400,
        tenant=tenant,
        clients=[browser_client],
    )

    started = browser_client.start(sso_user.username)
    plain = helpers.answer(tenant, started["id"], sso_user.username)
    assert browser_client.post_acs(plain, started["relay_state"]).status_code == 303
