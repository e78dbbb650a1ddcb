"""The dev IdP refuses like Entra, with Entra's AADSTS numbers on an Entra-like error page."""

from __future__ import annotations

import base64
import zlib

import pytest

from devidp.driver import assert_error_page, send_request, submit_sign_in
from devidp.saml_client import redirect_encode
from ssoconsole.devidp import services

pytestmark = pytest.mark.django_db


def test_unknown_identifier_is_aadsts700016(client, directory, app):
    _, response = send_request(client, directory, issuer="https://sp.example.test/not-configured")
    text = assert_error_page(response, "AADSTS700016", 404)
    assert "https://sp.example.test/not-configured" in text and directory.name in text


def test_identifier_of_another_directory_is_aadsts700016(client, directory, app):
    """The request went to the wrong tenant: the app exists, but not in this directory."""
    other = services.create_directory("Other Dev")
    _, response = send_request(client, other)
    assert_error_page(response, "AADSTS700016")


def test_reply_url_not_configured_is_aadsts50011(client, directory, app):
    _, response = send_request(client, directory, acs_url="https://sp.example.test/wrong/acs")
    text = assert_error_page(response, "AADSTS50011", 400)
    assert "https://sp.example.test/wrong/acs" in text and str(app.id) in text


def test_app_without_reply_urls_is_aadsts50011_even_without_acs_in_request(client, directory):
    services.create_app(directory, "bare", identifier="https://bare.example.test/")
    _, response = send_request(client, directory, issuer="https://bare.example.test/", acs_url=None)
    assert_error_page(response, "AADSTS50011")


def test_app_disabled_for_sign_in_is_aadsts7000112(client, directory, app):
    services.set_properties(
        app, enabled_for_sign_in=False, assignment_required=False, visible_to_users=True
    )
    _, response = send_request(client, directory)
    assert_error_page(response, "AADSTS7000112", 403)


def test_unassigned_user_is_aadsts50105_when_assignment_is_required(
    client, directory, app, alice, bob
):
    """Assignment is checked after the password, as in Entra; an assigned user still gets in."""
    services.set_properties(
        app, enabled_for_sign_in=True, assignment_required=True, visible_to_users=True
    )
    _, page = send_request(client, directory)
    refused = submit_sign_in(client, page, "bob@contoso.example")
    text = assert_error_page(refused, "AADSTS50105", 403)
    assert "bob@contoso.example" in text
    _, page = send_request(client, directory, force_authn=True)
    allowed = submit_sign_in(client, page, "alice@contoso.example")
    assert b"SAMLResponse" in allowed.content


def test_assignment_does_not_matter_when_not_required(client, directory, app, bob):
    _, page = send_request(client, directory)
    assert b"SAMLResponse" in submit_sign_in(client, page, "bob@contoso.example").content


def test_disabled_account_is_aadsts50057(client, directory, app, alice):
    type(alice).objects.filter(pk=alice.pk).update(account_enabled=False)
    _, page = send_request(client, directory)
    assert_error_page(submit_sign_in(client, page, "alice@contoso.example"), "AADSTS50057")


def test_subject_in_request_is_aadsts75016(client, directory, app):
    _, response = send_request(client, directory, subject="alice@contoso.example")
    assert "Subject" in assert_error_page(response, "AADSTS75016")


def test_unsupported_name_id_policy_is_aadsts75016(client, directory, app):
    fmt = "urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos"
    _, response = send_request(client, directory, name_id_format=fmt)
    assert fmt in assert_error_page(response, "AADSTS75016")


@pytest.mark.parametrize("comparison", ["minimum", "better", "maximum"])
def test_authn_context_comparison_other_than_exact_is_aadsts75011(
    client, directory, app, comparison
):
    _, response = send_request(
        client,
        directory,
        comparison=comparison,
        class_refs=("urn:oasis:names:tc:SAML:2.0:ac:classes:Password",),
    )
    assert comparison in assert_error_page(response, "AADSTS75011")


def test_unsatisfiable_authn_context_class_is_aadsts75011(client, directory, app):
    _, response = send_request(
        client, directory, comparison="exact", class_refs=("urn:federation:authentication:windows",)
    )
    assert_error_page(response, "AADSTS75011")


def test_is_passive_without_a_session_is_aadsts50058(client, directory, app):
    _, response = send_request(client, directory, is_passive=True)
    assert_error_page(response, "AADSTS50058")


def _deflate(data: bytes) -> str:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(c.compress(data) + c.flush()).decode()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">&lol3;</saml:Issuer></samlp:AuthnRequest>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">&x;</saml:Issuer></samlp:AuthnRequest>"""
VALID_SHAPE = (
    b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"'
    b" %s><saml:Issuer>https://sp.example.test/x</saml:Issuer></samlp:AuthnRequest>"
)


@pytest.mark.parametrize(
    "saml_request",
    [
        pytest.param("", id="empty"),
        pytest.param("%%%not-base64%%%", id="not-base64"),
        pytest.param(base64.b64encode(b"plain, not deflated").decode(), id="not-deflate"),
        pytest.param(_deflate(b"this is not xml"), id="not-xml"),
        pytest.param(_deflate(BILLION_LAUGHS), id="billion-laughs"),
        pytest.param(_deflate(XXE), id="xxe"),
        pytest.param(
            _deflate(b"<Response xmlns='urn:oasis:names:tc:SAML:2.0:protocol'/>"),
            id="not-authnrequest",
        ),
        pytest.param(
            _deflate(VALID_SHAPE % b'Version="2.0" IssueInstant="2026-01-01T00:00:00Z"'), id="no-id"
        ),
        pytest.param(
            _deflate(VALID_SHAPE % b'ID="a" Version="1.1" IssueInstant="2026-01-01T00:00:00Z"'),
            id="bad-version",
        ),
        pytest.param(
            _deflate(
                VALID_SHAPE
                % b'ID="a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" ForceAuthn="maybe"'
            ),
            id="bad-boolean",
        ),
        pytest.param(_deflate(b"<a>" * 100 + b"x" * (300 * 1024)), id="too-large"),
        pytest.param(_deflate(b" " * (50 * 1024 * 1024)), id="deflate-bomb"),
    ],
)
def test_malformed_requests_are_aadsts75005(client, directory, app, saml_request):
    response = client.get(f"/devidp/{directory.id}/saml2", {"SAMLRequest": saml_request})
    assert_error_page(response, "AADSTS75005", 400)


def test_redirect_binding_http_post_response_only(client, directory, app):
    """A request that asks for another response binding is refused: responses go by HTTP-POST only."""
    from devidp.saml_client import authn_request

    _, xml = authn_request()
    xml = xml.replace(b"bindings:HTTP-POST", b"bindings:HTTP-Artifact")
    response = client.get(f"/devidp/{directory.id}/saml2", {"SAMLRequest": redirect_encode(xml)})
    assert_error_page(response, "AADSTS75005")


def test_sign_in_step_needs_the_context_the_first_step_signed(client, directory, app, alice):
    """A request posted straight to the password step, or an edited context, gets an error page, not a response."""
    from devidp.saml_client import authn_request, post_encode, read_signin_form

    credentials = {"username": "alice@contoso.example", "password": "devidp-test-password"}
    _, xml = authn_request()
    unsigned = client.post(
        f"/devidp/{directory.id}/saml2/signin", {"SAMLRequest": post_encode(xml), **credentials}
    )
    assert "not issued by this identity provider" in assert_error_page(unsigned, "AADSTS75005")
    _, page = send_request(client, directory)
    ctx = read_signin_form(page.content)["ctx"]
    edited = client.post(
        f"/devidp/{directory.id}/saml2/signin", {"ctx": ctx[:-3] + "abc", **credentials}
    )
    assert_error_page(edited, "AADSTS75005")
    other = services.create_directory("Other Dev")
    services.create_app(
        other, "x", identifier=app.identifier, reply_urls=app.reply_urls, assignment_required=False
    )
    services.create_user(other, "alice@contoso.example", "A", "B", "devidp-test-password")
    elsewhere = client.post(f"/devidp/{other.id}/saml2/signin", {"ctx": ctx, **credentials})
    assert "another directory" in assert_error_page(elsewhere, "AADSTS75005")


def test_sign_in_context_expires(client, directory, app, alice, monkeypatch):
    from ssoconsole.devidp import signin_state

    _, page = send_request(client, directory)
    monkeypatch.setattr(signin_state, "MAX_AGE_SECONDS", -1)
    late = submit_sign_in(client, page, "alice@contoso.example")
    assert "open for too long" in assert_error_page(late, "AADSTS75005")


def test_unknown_directory_is_404(client, devidp_enabled, db):
    assert client.get("/devidp/00000000-0000-4000-8000-000000000000/saml2").status_code == 404


def test_correlation_id_is_kept_across_the_sign_in_steps(client, directory, app, bob):
    """The error page after the password shows the Correlation Id the first step issued."""
    from devidp.saml_client import read_signin_form
    from ssoconsole.devidp import signin_state

    services.set_properties(
        app, enabled_for_sign_in=True, assignment_required=True, visible_to_users=True
    )
    _, page = send_request(client, directory)
    correlation = signin_state.load(
        read_signin_form(page.content)["ctx"], str(directory.id)
    ).correlation_id
    refused = submit_sign_in(client, page, "bob@contoso.example")
    assert correlation in assert_error_page(refused, "AADSTS50105")


def test_app_without_certificate_still_signs(client, directory, app, alice):
    from devidp.driver import sign_in_flow
    from ssoconsole.devidp.models import SigningCertificate

    SigningCertificate.objects.filter(app=app).delete()
    _, xml, _ = sign_in_flow(client, directory, "alice@contoso.example")
    assert b"SignatureValue" in xml
