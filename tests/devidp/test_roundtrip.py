"""A full SP-initiated round trip: AuthnRequest, sign-in page, signed Entra-shaped Response."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from devidp.conftest import BASE_URL
from devidp.driver import send_request, sign_in_flow, submit_sign_in
from devidp.saml_client import (
    NS,
    SP_ACS,
    SP_ENTITY_ID,
    XMLSEC1,
    parse,
    verify_with_signxml,
    verify_with_xmlsec1,
)
from ssoconsole.devidp import services

pytestmark = pytest.mark.django_db

EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"


def _time(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def test_request_shows_sign_in_page_naming_the_app(client, directory, app):
    """A valid request is answered with the directory's sign-in page, not with a response."""
    _, page = send_request(client, directory)
    assert page.status_code == 200
    assert b"to continue to" in page.content and b"ssoconsole" in page.content
    assert b"Development identity provider" in page.content
    assert page["Cache-Control"] == "no-store"


@pytest.mark.parametrize("binding", ["redirect", "post"])
def test_round_trip_produces_a_signed_entra_shaped_response(client, directory, app, alice, binding):
    """The response carries every field Entra sends, and its assertion signature verifies independently."""
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    request_id, xml, fields = sign_in_flow(
        client, directory, "ALICE@contoso.example", binding=binding
    )
    after = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)

    assert fields["action"] == SP_ACS
    assert fields["RelayState"] == "rs-token-1"
    root = parse(xml)
    entity_id = f"{BASE_URL}/devidp/{directory.id}/"
    assert root.tag == f"{{{NS['samlp']}}}Response"
    assert root.get("Destination") == SP_ACS
    assert root.get("InResponseTo") == request_id
    assert root.get("Version") == "2.0"
    assert root.findtext("saml:Issuer", namespaces=NS) == entity_id
    assert (
        root.find("samlp:Status/samlp:StatusCode", NS).get("Value")
        == "urn:oasis:names:tc:SAML:2.0:status:Success"
    )
    assert root.find("ds:Signature", NS) is None, "Entra's default signs the assertion only"

    (assertion,) = root.findall("saml:Assertion", NS)
    cert = services.active_certificate(app).certificate_pem
    signed = verify_with_signxml(assertion, cert)
    assert signed.get("ID") == assertion.get("ID")
    assert (
        assertion[0].tag == f"{{{NS['saml']}}}Issuer"
        and assertion[1].tag == f"{{{NS['ds']}}}Signature"
    )
    sig = assertion.find("ds:Signature", NS)
    assert sig.find("ds:SignedInfo/ds:Reference", NS).get("URI") == "#" + assertion.get("ID")
    assert (
        sig.find("ds:SignedInfo/ds:SignatureMethod", NS).get("Algorithm")
        == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    )
    assert (
        sig.find("ds:SignedInfo/ds:CanonicalizationMethod", NS).get("Algorithm")
        == "http://www.w3.org/2001/10/xml-exc-c14n#"
    )

    issued = _time(assertion.get("IssueInstant"))
    assert before <= issued <= after
    assert assertion.findtext("saml:Issuer", namespaces=NS) == entity_id
    name_id = assertion.find("saml:Subject/saml:NameID", NS)
    assert name_id.text == "alice@contoso.example" and name_id.get("Format") == EMAIL_FORMAT
    confirmation = assertion.find("saml:Subject/saml:SubjectConfirmation", NS)
    assert confirmation.get("Method") == "urn:oasis:names:tc:SAML:2.0:cm:bearer"
    data = confirmation.find("saml:SubjectConfirmationData", NS)
    assert data.get("InResponseTo") == request_id
    assert data.get("Recipient") == SP_ACS
    assert _time(data.get("NotOnOrAfter")) - issued == dt.timedelta(minutes=5)
    conditions = assertion.find("saml:Conditions", NS)
    assert _time(conditions.get("NotBefore")) == issued, "Entra allows no clock skew"
    assert _time(conditions.get("NotOnOrAfter")) - issued == dt.timedelta(hours=1)
    assert (
        conditions.findtext("saml:AudienceRestriction/saml:Audience", namespaces=NS) == SP_ENTITY_ID
    )

    attributes = assertion.findall("saml:AttributeStatement/saml:Attribute", NS)
    assert all(a.get("NameFormat") is None for a in attributes)
    claims = {
        a.get("Name"): [v.text for v in a.findall("saml:AttributeValue", NS)] for a in attributes
    }
    assert claims == {
        "http://schemas.microsoft.com/identity/claims/tenantid": [str(directory.id)],
        "http://schemas.microsoft.com/identity/claims/objectidentifier": [str(alice.id)],
        "http://schemas.microsoft.com/identity/claims/displayname": ["Alice Adams"],
        "http://schemas.microsoft.com/identity/claims/identityprovider": [entity_id],
        "http://schemas.microsoft.com/claims/authnmethodsreferences": [
            "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password"
        ],
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": [
            "alice@contoso.example"
        ],
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname": ["Alice"],
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname": ["Adams"],
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name": ["alice@contoso.example"],
    }
    authn = assertion.find("saml:AuthnStatement", NS)
    assert authn.get("SessionIndex")
    assert _time(authn.get("SessionNotOnOrAfter")) - _time(
        authn.get("AuthnInstant")
    ) == dt.timedelta(hours=8)
    assert authn.findtext("saml:AuthnContext/saml:AuthnContextClassRef", namespaces=NS) == (
        "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
    )


def test_assertion_signature_verifies_with_xmlsec1(client, directory, app, alice):
    """Debian's xmlsec1 (installed by ./run test), a second implementation, accepts the signature, and only with our key."""
    assert XMLSEC1, "xmlsec1 is missing: ./run test installs it (apt-get install xmlsec1)"
    _, xml, _ = sign_in_flow(client, directory, "alice@contoso.example")
    assertion_id = ("urn:oasis:names:tc:SAML:2.0:assertion:Assertion",)
    result = verify_with_xmlsec1(
        xml, services.active_certificate(app).certificate_pem, id_attrs=assertion_id
    )
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout + result.stderr
    stranger = services.add_certificate(app).certificate_pem
    assert verify_with_xmlsec1(xml, stranger, id_attrs=assertion_id).returncode != 0


def test_tampered_assertion_fails_verification(client, directory, app, alice):
    """The signature covers the claims: changing the NameID breaks it (the test verifier is not a rubber stamp)."""
    from signxml.exceptions import InvalidSignature

    _, xml, _ = sign_in_flow(client, directory, "alice@contoso.example")
    root = parse(
        xml.replace(b"alice@contoso.example</NameID>", b"mallory@contoso.example</NameID>")
    )
    with pytest.raises(InvalidSignature):
        verify_with_signxml(
            root.find("saml:Assertion", NS), services.active_certificate(app).certificate_pem
        )


def test_default_reply_url_is_used_when_the_request_names_none(client, directory, app, alice):
    """Without AssertionConsumerServiceURL, Entra posts to the app's first (default) Reply URL."""
    _, xml, fields = sign_in_flow(client, directory, "alice@contoso.example", acs_url=None)
    assert fields["action"] == SP_ACS
    assert parse(xml).get("Destination") == SP_ACS


def test_second_reply_url_is_accepted(client, directory, app, alice):
    """Any configured Reply URL may be requested; the response goes to the one requested."""
    _, xml, fields = sign_in_flow(
        client, directory, "alice@contoso.example", acs_url="https://sp.example.test/other/acs"
    )
    assert fields["action"] == "https://sp.example.test/other/acs"


def test_configured_relay_state_fills_in_when_the_sp_sends_none(client, directory, app, alice):
    services.configure_saml(
        app, app.identifier, app.reply_urls, app.sign_on_url, relay_state="/console/"
    )
    _, _, fields = sign_in_flow(client, directory, "alice@contoso.example", relay_state=None)
    assert fields["RelayState"] == "/console/"


def test_wrong_password_keeps_the_user_on_the_sign_in_page(client, directory, app, alice):
    """A wrong password is not an AADSTS error page: the form asks again."""
    _, page = send_request(client, directory)
    again = submit_sign_in(client, page, "alice@contoso.example", "not-the-password")
    assert again.status_code == 200
    assert b"Your account or password is incorrect." in again.content
    assert b"SAMLResponse" not in again.content
    unknown = submit_sign_in(client, page, "nobody@contoso.example", "whatever-password")
    assert b"Your account or password is incorrect." in unknown.content


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", EMAIL_FORMAT),
        (
            "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
            "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        ),
    ],
)
def test_supported_name_id_policies_are_honoured(
    client, directory, app, alice, requested, expected
):
    _, xml, _ = sign_in_flow(client, directory, "alice@contoso.example", name_id_format=requested)
    name_id = parse(xml).find("saml:Assertion/saml:Subject/saml:NameID", NS)
    assert name_id.get("Format") == expected and name_id.text == "alice@contoso.example"


def test_transient_name_id_is_opaque(client, directory, app, alice):
    transient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
    _, xml, _ = sign_in_flow(client, directory, "alice@contoso.example", name_id_format=transient)
    name_id = parse(xml).find("saml:Assertion/saml:Subject/saml:NameID", NS)
    assert name_id.get("Format") == transient and "alice" not in name_id.text


def test_exact_password_context_is_satisfied(client, directory, app, alice):
    ppt = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    _, xml, _ = sign_in_flow(
        client, directory, "alice@contoso.example", comparison="exact", class_refs=(ppt,)
    )
    assert parse(xml).findtext(".//saml:AuthnContextClassRef", namespaces=NS) == ppt


def test_urls_come_from_the_base_url_not_the_host_header(client, directory, app, alice):
    """A forged Host header changes nothing in what the IdP emits."""
    _, xml, _ = sign_in_flow(client, directory, "alice@contoso.example")
    assert b"testserver" not in xml
    response = client.get(
        f"/devidp/{directory.id}/federationmetadata/2007-06/federationmetadata.xml",
        {"appid": str(app.id)},
        HTTP_HOST="evil.example",
    )
    assert b"evil.example" not in response.content
    assert f"{BASE_URL}/devidp/{directory.id}/saml2".encode() in response.content


def test_users_of_another_directory_cannot_sign_in(client, directory, app, alice):
    other = services.create_directory("Fabrikam Dev", directory_id=uuid.uuid4())
    services.create_user(other, "eve@fabrikam.example", "Eve", "Evans", "devidp-test-password")
    _, page = send_request(client, directory)
    again = submit_sign_in(client, page, "eve@fabrikam.example")
    assert b"Your account or password is incorrect." in again.content


def test_http_post_binding_needs_no_csrf_token_but_the_password_form_does(directory, app, alice):
    """The SP's cross-site POST carries no token of ours; the password form must carry one."""
    from django.test import Client

    from devidp.saml_client import read_signin_form

    browser = Client(enforce_csrf_checks=True)
    _, page = send_request(browser, directory, binding="post")
    assert page.status_code == 200 and b"to continue to" in page.content
    fields = read_signin_form(page.content)
    action = fields.pop("action")
    forged = {k: v for k, v in fields.items() if k != "csrfmiddlewaretoken"}
    assert (
        browser.post(
            action,
            {**forged, "username": "alice@contoso.example", "password": "devidp-test-password"},
        ).status_code
        == 403
    )
    done = browser.post(
        action, {**fields, "username": "alice@contoso.example", "password": "devidp-test-password"}
    )
    assert done.status_code == 200 and b"SAMLResponse" in done.content
