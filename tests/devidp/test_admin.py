"""The admin pages: protected by the dev IdP's own password, and able to do the tutorial's Step 2."""

from __future__ import annotations

import io

import lxml.html
import pytest
from django.core.management import call_command

from ssoconsole.devidp import services
from ssoconsole.devidp.access import admin_password
from ssoconsole.devidp.models import (
    AppAssignment,
    Directory,
    DirectoryUser,
    EnterpriseApp,
    SigningCertificate,
)

pytestmark = pytest.mark.django_db

BANNER = "Development identity provider — not for production"


def _text(response) -> str:
    return lxml.html.fromstring(response.content).text_content()


def test_admin_pages_need_the_admin_password(client, directory):
    for path in (
        "/devidp/",
        f"/devidp/portal/{directory.id}/users",
        f"/devidp/portal/{directory.id}/apps/new",
    ):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/devidp/admin/signin?next=")


def test_wrong_admin_password_is_refused(client, devidp_enabled):
    response = client.post("/devidp/admin/signin", {"password": "guess"})
    assert response.status_code == 200
    assert "not the dev IdP's admin password" in _text(response)
    assert client.get("/devidp/").status_code == 302


def test_admin_sign_in_goes_to_next_but_never_off_site(client, devidp_enabled, directory):
    ok = client.post(
        "/devidp/admin/signin",
        {"password": admin_password(), "next": f"/devidp/portal/{directory.id}/users"},
    )
    assert ok["Location"] == f"/devidp/portal/{directory.id}/users"
    client.post("/devidp/admin/signout")
    evil = client.post(
        "/devidp/admin/signin", {"password": admin_password(), "next": "https://evil.example/"}
    )
    assert evil["Location"] == "/devidp/"


def test_sign_out_closes_the_admin_pages(admin_client):
    assert admin_client.get("/devidp/").status_code == 200
    admin_client.post("/devidp/admin/signout")
    assert admin_client.get("/devidp/").status_code == 302


def test_management_command_prints_the_admin_password(devidp_enabled):
    out = io.StringIO()
    call_command("devidp_admin_password", stdout=out)
    assert out.getvalue().strip() == admin_password()
    assert len(admin_password()) >= 16


def test_step_2_through_the_pages(admin_client):
    """Create a directory and a user, add the gallery app, set its properties, SAML settings, signing and users."""
    c = admin_client
    home = c.get("/devidp/")
    assert BANNER in _text(home)
    response = c.post("/devidp/", {"name": "Contoso Dev"})
    directory = Directory.objects.get(name="Contoso Dev")
    assert response["Location"] == f"/devidp/portal/{directory.id}/"
    overview = _text(c.get(response["Location"]))
    assert (
        str(directory.id) in overview
        and f"http://idp.example.test/devidp/{directory.id}/" in overview
    )

    base = f"/devidp/portal/{directory.id}"
    c.post(
        f"{base}/users/new",
        {
            "upn": "alice@contoso.example",
            "given_name": "Alice",
            "surname": "Adams",
            "password": "long-enough-1",
        },
    )
    alice = DirectoryUser.objects.get(upn="alice@contoso.example")
    assert alice.display_name == "Alice Adams" and alice.mail == "alice@contoso.example"
    assert "alice@contoso.example" in _text(c.get(f"{base}/users"))
    duplicate = c.post(
        f"{base}/users/new", {"upn": "ALICE@contoso.example", "password": "long-enough-1"}
    )
    assert "already has a user" in _text(duplicate)

    gallery = c.get(f"{base}/apps/new", {"q": "ssocon"})
    assert "ssoconsole" in _text(gallery)
    assert "No gallery application matches" in _text(c.get(f"{base}/apps/new", {"q": "salesforce"}))
    response = c.post(f"{base}/apps/new", {"name": "ssoconsole (Demo Company)"})
    app = EnterpriseApp.objects.get(directory=directory)
    assert response["Location"] == f"{base}/apps/{app.id}/"
    assert app.name == "ssoconsole (Demo Company)"
    assert (app.enabled_for_sign_in, app.assignment_required, app.visible_to_users) == (
        True,
        True,
        True,
    )
    assert SigningCertificate.objects.filter(app=app, active=True).count() == 1

    app_base = f"{base}/apps/{app.id}"
    c.post(
        f"{app_base}/properties",
        {"enabled_for_sign_in": "yes", "assignment_required": "no", "visible_to_users": "no"},
    )
    app.refresh_from_db()
    assert (app.enabled_for_sign_in, app.assignment_required, app.visible_to_users) == (
        True,
        False,
        False,
    )

    bad = c.post(
        f"{app_base}/sso/basic",
        {"identifier": "https://sp.example.test/t1", "reply_urls": "ftp://nope"},
    )
    assert "Reply URL must be an absolute http(s) URL" in _text(bad)
    c.post(
        f"{app_base}/sso/basic",
        {
            "identifier": "https://sp.example.test/t1",
            "reply_urls": "https://sp.example.test/sso/t1/acs\nhttps://sp.example.test/sso/t1/acs2",
            "sign_on_url": "https://sp.example.test/login",
            "relay_state": "",
        },
    )
    app.refresh_from_db()
    assert app.identifier == "https://sp.example.test/t1"
    assert app.reply_urls == [
        "https://sp.example.test/sso/t1/acs",
        "https://sp.example.test/sso/t1/acs2",
    ]

    sso_page = c.get(f"{app_base}/sso")
    doc = lxml.html.fromstring(sso_page.content)
    assert doc.xpath("//input[@id='metadata-url']/@value") == [
        services.federation_metadata_url(app)
    ]
    assert "Sign SAML assertion" in _text(sso_page) and "SHA-256" in _text(sso_page)

    c.post(f"{app_base}/sso/signing", {"signing_option": "both", "signing_algorithm": "sha1"})
    app.refresh_from_db()
    assert (app.signing_option, app.signing_algorithm) == ("both", "sha1")

    c.post(f"{app_base}/users", {"user": str(alice.id)})
    assert AppAssignment.objects.filter(app=app, user=alice).exists()
    assert "Every user of the directory is assigned" in _text(c.get(f"{app_base}/users"))
    c.post(f"{app_base}/users/{alice.id}/remove")
    assert not AppAssignment.objects.filter(app=app, user=alice).exists()

    c.post(f"{app_base}/sso/certificates/new")
    new = SigningCertificate.objects.get(app=app, active=False)
    c.post(f"{app_base}/sso/certificates/{new.id}/activate")
    assert SigningCertificate.objects.get(app=app, active=True) == new
    download = c.get(f"{app_base}/sso/certificates/{new.id}/download")
    assert download.content.decode() == new.certificate_pem
    assert "attachment" in download["Content-Disposition"]


def test_identifier_must_be_unique_in_the_directory(admin_client, directory, app):
    other = services.create_app(directory, "second")
    response = admin_client.post(
        f"/devidp/portal/{directory.id}/apps/{other.id}/sso/basic",
        {"identifier": app.identifier, "reply_urls": "https://sp.example.test/acs"},
    )
    assert "already uses the Identifier" in _text(response)


def test_every_admin_page_renders_with_the_banner(admin_client, directory, app):
    base = f"/devidp/portal/{directory.id}"
    paths = [
        "/devidp/",
        f"{base}/",
        f"{base}/users",
        f"{base}/users/new",
        f"{base}/apps",
        f"{base}/apps/new",
        f"{base}/apps/{app.id}/",
        f"{base}/apps/{app.id}/properties",
        f"{base}/apps/{app.id}/users",
        f"{base}/apps/{app.id}/sso",
        f"{base}/apps/{app.id}/sso/basic",
        f"{base}/apps/{app.id}/sso/signing",
        f"{base}/sign-ins",
    ]
    for path in paths:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert BANNER in _text(response), path


def test_pages_of_an_unknown_directory_or_app_are_404(admin_client, directory):
    assert (
        admin_client.get("/devidp/portal/00000000-0000-4000-8000-000000000000/users").status_code
        == 404
    )
    assert (
        admin_client.get(
            f"/devidp/portal/{directory.id}/apps/00000000-0000-4000-8000-000000000000/"
        ).status_code
        == 404
    )


def test_sign_in_logs_record_successes_and_refusals(admin_client, directory, app, alice):
    """Every attempt is logged with its AADSTS code and the Correlation Id the user sees."""
    from django.test import Client

    from devidp.driver import send_request, sign_in_flow, submit_sign_in
    from devidp.saml_client import read_signin_form
    from ssoconsole.devidp import signin_state

    user_browser = Client()
    sign_in_flow(user_browser, directory, "alice@contoso.example")
    send_request(user_browser, directory, acs_url="https://sp.example.test/wrong")
    _, page = send_request(Client(), directory)
    submit_sign_in(Client(), page, "alice@contoso.example", "wrong-password")
    send_request(Client(), directory, issuer="urn:unknown")

    events = list(directory.sign_ins.order_by("created_at", "id"))
    assert [(e.result, e.error_code) for e in events] == [
        ("success", ""),
        ("failure", "AADSTS50011"),
        ("failure", "AADSTS50126"),
        ("failure", "AADSTS700016"),
    ]
    assert events[0].user == alice and events[0].app == app
    assert (
        events[2].username == "alice@contoso.example"
        and events[2].correlation_id
        == signin_state.load(
            read_signin_form(page.content)["ctx"], str(directory.id)
        ).correlation_id
    )
    assert events[3].issuer == "urn:unknown" and events[3].app is None
    text = _text(admin_client.get(f"/devidp/portal/{directory.id}/sign-ins"))
    for code in ("AADSTS50011", "AADSTS50126", "AADSTS700016", "Success"):
        assert code in text


def test_blocking_sign_in_ends_the_idp_session_and_refuses_the_user(
    admin_client, directory, app, alice
):
    """Blocking a user (Entra's "Account enabled" = No) ends their IdP session; the next request is refused."""
    from django.test import Client

    from devidp.driver import send_request, sign_in_flow, submit_sign_in

    browser = Client()
    sign_in_flow(browser, directory, "alice@contoso.example")
    response = admin_client.post(
        f"/devidp/portal/{directory.id}/users/{alice.id}/account-enabled", {"account_enabled": "no"}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.account_enabled and not alice.sessions.exists()
    _, page = send_request(browser, directory)
    assert b'name="password"' in page.content
    assert b"AADSTS50057" in submit_sign_in(browser, page, "alice@contoso.example").content
    admin_client.post(
        f"/devidp/portal/{directory.id}/users/{alice.id}/account-enabled",
        {"account_enabled": "yes"},
    )
    alice.refresh_from_db()
    assert alice.account_enabled
    assert "Block sign-in" in _text(admin_client.get(f"/devidp/portal/{directory.id}/users"))
