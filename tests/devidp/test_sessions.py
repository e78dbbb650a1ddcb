"""The IdP session: a second request skips the prompt, unless ForceAuthn; it ends and expires."""

from __future__ import annotations

import datetime as dt

import pytest

from devidp.driver import response_xml, send_request, sign_in_flow, submit_sign_in
from devidp.saml_client import NS, parse
from ssoconsole.devidp.models import IdpSession

pytestmark = pytest.mark.django_db


def test_second_request_in_the_session_skips_the_prompt(client, directory, app, alice):
    first_id, first, _ = sign_in_flow(client, directory, "alice@contoso.example")
    second_id, page = send_request(client, directory)
    assert page.status_code == 200
    second, fields = response_xml(page)
    root = parse(second)
    assert root.get("InResponseTo") == second_id != first_id
    first_authn = parse(first).find(".//saml:AuthnStatement", NS)
    second_authn = root.find(".//saml:AuthnStatement", NS)
    assert second_authn.get("AuthnInstant") == first_authn.get("AuthnInstant")
    assert second_authn.get("SessionIndex") == first_authn.get("SessionIndex")


def test_cookie_is_http_only_and_scoped_to_the_directory(client, directory, app, alice):
    sign_in_flow(client, directory, "alice@contoso.example")
    cookie = client.cookies["devidp_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == f"/devidp/{directory.id}/"
    stored = IdpSession.objects.get(user=alice)
    assert cookie.value not in stored.token_hash  # only a hash is kept


def test_force_authn_prompts_again_and_starts_a_new_session(client, directory, app, alice, bob):
    sign_in_flow(client, directory, "alice@contoso.example")
    _, page = send_request(client, directory, force_authn=True)
    assert b'name="password"' in page.content and b"SAMLResponse" not in page.content
    done = submit_sign_in(client, page, "bob@contoso.example")
    xml, _ = response_xml(done)
    assert parse(xml).findtext(".//saml:NameID", namespaces=NS) == "bob@contoso.example"
    assert not IdpSession.objects.filter(user=alice).exists()
    _, page = send_request(client, directory)
    assert (
        parse(response_xml(page)[0]).findtext(".//saml:NameID", namespaces=NS)
        == "bob@contoso.example"
    )


def test_is_passive_with_a_session_answers_silently(client, directory, app, alice):
    sign_in_flow(client, directory, "alice@contoso.example")
    _, page = send_request(client, directory, is_passive=True)
    assert b"SAMLResponse" in page.content


def test_expired_session_prompts_again(client, directory, app, alice):
    sign_in_flow(client, directory, "alice@contoso.example")
    IdpSession.objects.update(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    _, page = send_request(client, directory)
    assert b'name="password"' in page.content


def test_session_of_one_directory_does_not_sign_in_to_another(client, directory, app, alice):
    from ssoconsole.devidp import services

    sign_in_flow(client, directory, "alice@contoso.example")
    other = services.create_directory("Fabrikam Dev")
    services.create_app(
        other,
        "ssoconsole",
        identifier=app.identifier,
        reply_urls=app.reply_urls,
        assignment_required=False,
    )
    _, page = send_request(client, other)
    assert b'name="password"' in page.content


def test_sign_out_ends_the_session(client, directory, app, alice):
    sign_in_flow(client, directory, "alice@contoso.example")
    response = client.post(f"/devidp/{directory.id}/signout")
    assert response.status_code == 302
    assert not IdpSession.objects.exists()
    _, page = send_request(client, directory)
    assert b'name="password"' in page.content
