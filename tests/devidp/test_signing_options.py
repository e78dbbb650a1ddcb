"""Signing Option and Signing Algorithm: assertion (default), response, both; SHA-256 (default) or SHA-1."""

from __future__ import annotations

import pytest
from signxml.exceptions import InvalidInput, InvalidSignature

from devidp.driver import sign_in_flow
from devidp.saml_client import NS, parse, verify_with_signxml, verify_with_xmlsec1
from ssoconsole.devidp import services

pytestmark = pytest.mark.django_db

RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"


def _signatures(root):
    return root.find("ds:Signature", NS), root.find("saml:Assertion/ds:Signature", NS)


def test_sign_response_only(client, directory, app, alice):
    services.set_signing(app, signing_option="response", signing_algorithm="sha256")
    _, xml, _ = sign_in_flow(client, directory, "alice@contoso.example")
    root = parse(xml)
    response_sig, assertion_sig = _signatures(root)
    assert response_sig is not None and assertion_sig is None
    assert root[0].tag.endswith("Issuer") and root[1] is response_sig, (
        "Signature follows the Issuer (SAML Core 3.2.2)"
    )
    signed = verify_with_signxml(root, services.active_certificate(app).certificate_pem)
    assert signed.get("ID") == root.get("ID")
    assert signed.find("saml:Assertion", NS) is not None


def test_sign_response_and_assertion(client, directory, app, alice):
    services.set_signing(app, signing_option="both", signing_algorithm="sha256")
    _, xml, _ = sign_in_flow(client, directory, "alice@contoso.example")
    root = parse(xml)
    cert = services.active_certificate(app).certificate_pem
    assert all(sig is not None for sig in _signatures(root))
    assert verify_with_signxml(root, cert).get("ID") == root.get("ID")
    assertion = root.find("saml:Assertion", NS)
    assert verify_with_signxml(assertion, cert).get("ID") == assertion.get("ID")
    result = verify_with_xmlsec1(
        xml,
        cert,
        id_attrs=(
            "urn:oasis:names:tc:SAML:2.0:protocol:Response",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        ),
    )
    assert result.returncode == 0, result.stderr


def test_sha1_option_signs_with_rsa_sha1(client, directory, app, alice):
    services.set_signing(app, signing_option="assertion", signing_algorithm="sha1")
    _, xml, _ = sign_in_flow(client, directory, "alice@contoso.example")
    assertion = parse(xml).find("saml:Assertion", NS)
    info = assertion.find("ds:Signature/ds:SignedInfo", NS)
    assert info.find("ds:SignatureMethod", NS).get("Algorithm") == RSA_SHA1
    assert info.find("ds:Reference/ds:DigestMethod", NS).get("Algorithm") == SHA1
    verify_with_signxml(assertion, services.active_certificate(app).certificate_pem, sha1=True)
    with pytest.raises((InvalidInput, InvalidSignature)):
        # A verifier that insists on SHA-256 refuses it, which is what an SP should be able to say.
        verify_with_signxml(assertion, services.active_certificate(app).certificate_pem)


def test_activated_certificate_signs_new_responses(client, directory, app, alice):
    old = services.active_certificate(app)
    new = services.add_certificate(app)
    _, xml, _ = sign_in_flow(client, directory, "alice@contoso.example")
    verify_with_signxml(parse(xml).find("saml:Assertion", NS), old.certificate_pem)
    services.activate_certificate(new)
    _, xml, _ = sign_in_flow(client, directory, "alice@contoso.example", force_authn=True)
    assertion = parse(xml).find("saml:Assertion", NS)
    verify_with_signxml(assertion, new.certificate_pem)
    with pytest.raises(InvalidSignature):
        verify_with_signxml(assertion, old.certificate_pem)
