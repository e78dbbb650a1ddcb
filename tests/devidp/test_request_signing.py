"""Verification certificates: an app that requires signed requests refuses unsigned and wrongly signed ones."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import quote

import lxml.html
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import CanonicalizationMethod, XMLSigner

from devidp.driver import assert_error_page
from devidp.saml_client import SAML, authn_request, post_encode, redirect_encode
from ssoconsole.core.errors import ValidationFailed
from ssoconsole.devidp import services

pytestmark = pytest.mark.django_db

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"


def _sp_keys():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test SP request signing")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM).decode()


SP_KEY, SP_CERT = _sp_keys()
OTHER_KEY, OTHER_CERT = _sp_keys()


def _signed_query(xml: bytes, relay_state: str, key, sig_alg: str = RSA_SHA256) -> str:
    """SAML Bindings 3.4.4.1: sign SAMLRequest=…&RelayState=…&SigAlg=… exactly as it goes in the URL."""
    parts = [
        ("SAMLRequest", redirect_encode(xml)),
        ("RelayState", relay_state),
        ("SigAlg", sig_alg),
    ]
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in parts)
    algorithm = hashes.SHA256() if sig_alg == RSA_SHA256 else hashes.SHA1()
    signature = key.sign(query.encode(), padding.PKCS1v15(), algorithm)
    return f"{query}&Signature={quote(base64.b64encode(signature).decode(), safe='')}"


def _signed_xml(xml: bytes, key, cert: str) -> bytes:
    root = etree.fromstring(xml)
    issuer = root.find(f"{{{SAML}}}Issuer")
    issuer.addnext(etree.Element("{http://www.w3.org/2000/09/xmldsig#}Signature", Id="placeholder"))
    signer = XMLSigner(c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return etree.tostring(
        signer.sign(root, key=key_pem, cert=cert, reference_uri="#" + root.get("ID"))
    )


@pytest.fixture
def strict_app(app):
    return services.set_request_verification(
        app, require_signed_requests=True, certificates_pem=SP_CERT
    )


def _is_sign_in_page(response) -> bool:
    return response.status_code == 200 and b"to continue to" in response.content


def test_signatures_are_ignored_unless_required(client, directory, app):
    """Like Entra, an app without "Require verification certificates" takes unsigned requests."""
    _, xml = authn_request()
    assert _is_sign_in_page(
        client.get(f"/devidp/{directory.id}/saml2", {"SAMLRequest": redirect_encode(xml)})
    )


def test_unsigned_redirect_request_is_aadsts76021(client, directory, strict_app):
    _, xml = authn_request()
    response = client.get(
        f"/devidp/{directory.id}/saml2", {"SAMLRequest": redirect_encode(xml), "RelayState": "r"}
    )
    assert "SigAlg and Signature" in assert_error_page(response, "AADSTS76021")


def test_unsigned_post_request_is_aadsts76021(client, directory, strict_app):
    _, xml = authn_request()
    response = client.post(f"/devidp/{directory.id}/saml2", {"SAMLRequest": post_encode(xml)})
    assert_error_page(response, "AADSTS76021")


def test_signed_redirect_request_is_accepted(client, directory, strict_app):
    _, xml = authn_request()
    assert _is_sign_in_page(
        client.get(f"/devidp/{directory.id}/saml2?{_signed_query(xml, 'relay-1', SP_KEY)}")
    )


def test_signed_redirect_request_with_plus_and_slash_in_values_is_accepted(
    client, directory, strict_app
):
    """The raw query is verified, so percent-encoded '+', '/' and '=' do not break the signature."""
    _, xml = authn_request()
    assert _is_sign_in_page(
        client.get(f"/devidp/{directory.id}/saml2?{_signed_query(xml, 'a+b/c=d e', SP_KEY)}")
    )


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            lambda q: q.replace("RelayState=relay-1", "RelayState=relay-2"),
            id="relay-state-changed",
        ),
        pytest.param(lambda q: q.replace("&RelayState=relay-1", ""), id="relay-state-removed"),
    ],
)
def test_tampered_redirect_request_is_refused(client, directory, strict_app, tamper):
    _, xml = authn_request()
    query = tamper(_signed_query(xml, "relay-1", SP_KEY))
    assert "not accepted" in assert_error_page(
        client.get(f"/devidp/{directory.id}/saml2?{query}"), "AADSTS75005"
    )


def test_redirect_request_signed_by_another_key_is_refused(client, directory, strict_app):
    _, xml = authn_request()
    response = client.get(f"/devidp/{directory.id}/saml2?{_signed_query(xml, 'r', OTHER_KEY)}")
    assert assert_error_page(response, "AADSTS75005")


def test_rsa_sha1_request_signature_is_refused(client, directory, strict_app):
    _, xml = authn_request()
    response = client.get(
        f"/devidp/{directory.id}/saml2?{_signed_query(xml, 'r', SP_KEY, RSA_SHA1)}"
    )
    assert "only RSA-SHA256" in assert_error_page(response, "AADSTS75005")


def test_signed_post_request_is_accepted_and_other_keys_are_not(client, directory, strict_app):
    _, xml = authn_request()
    good = client.post(
        f"/devidp/{directory.id}/saml2",
        {"SAMLRequest": post_encode(_signed_xml(xml, SP_KEY, SP_CERT))},
    )
    assert _is_sign_in_page(good)
    bad = client.post(
        f"/devidp/{directory.id}/saml2",
        {"SAMLRequest": post_encode(_signed_xml(xml, OTHER_KEY, OTHER_CERT))},
    )
    assert_error_page(bad, "AADSTS75005")


def test_any_listed_certificate_verifies(client, directory, app):
    """Several verification certificates may be listed (a rollover at the SP)."""
    services.set_request_verification(
        app, require_signed_requests=True, certificates_pem=OTHER_CERT + SP_CERT
    )
    _, xml = authn_request()
    assert _is_sign_in_page(
        client.get(f"/devidp/{directory.id}/saml2?{_signed_query(xml, 'r', SP_KEY)}")
    )


def test_requiring_signatures_needs_a_certificate(directory, app):
    with pytest.raises(ValidationFailed):
        services.set_request_verification(app, require_signed_requests=True, certificates_pem="")
    with pytest.raises(ValidationFailed):
        services.set_request_verification(
            app,
            require_signed_requests=False,
            certificates_pem="-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----",
        )


def test_verification_certificates_page(admin_client, directory, app):
    url = f"/devidp/portal/{directory.id}/apps/{app.id}/sso/verification"
    refused = admin_client.post(url, {"require_signed_requests": "on", "certificates_pem": ""})
    assert (
        "Add at least one verification certificate"
        in lxml.html.fromstring(refused.content).text_content()
    )
    saved = admin_client.post(url, {"require_signed_requests": "on", "certificates_pem": SP_CERT})
    assert saved.status_code == 302
    app.refresh_from_db()
    assert app.require_signed_requests and "BEGIN CERTIFICATE" in app.verification_certificates
    page = lxml.html.fromstring(
        admin_client.get(f"/devidp/portal/{directory.id}/apps/{app.id}/sso").content
    ).text_content()
    assert "Verification certificates (optional)" in page
