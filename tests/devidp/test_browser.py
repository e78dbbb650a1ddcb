"""The dev IdP in a real browser: Step 2 through the admin pages, then SP-initiated sign-in and My Apps."""

from __future__ import annotations

import os

import pytest

from ssoconsole.devidp.access import admin_password
from ssoconsole.devidp.models import EnterpriseApp

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = (
    "true"  # Playwright's sync API beside the live server's ORM
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_idp(devidp_enabled, app_url, settings):
    """The dev IdP and the test SP served by the live server, with the base URL pointing at it."""
    settings.ROOT_URLCONF = "devidp.browser_sp"
    return app_url


def test_configure_in_the_admin_center_then_sign_in_and_use_my_apps(live_idp, page):
    base = live_idp
    page.goto(f"{base}/devidp/")
    assert "Development identity provider — not for production" in page.inner_text("body")
    page.fill("input[name=password]", admin_password())
    page.click("button:has-text('Sign in')")

    page.fill("input[name=name]", "Contoso Dev")
    page.click("button:has-text('Create')")
    page.click("nav[aria-label=Directory] >> text=Users")
    page.click("text=+ New user")
    page.fill("input[name=upn]", "alice@contoso.example")
    page.fill("input[name=given_name]", "Alice")
    page.fill("input[name=surname]", "Adams")
    page.fill("input[name=password]", "browser-pass-1")
    page.click("button:has-text('Create')")
    assert "Created user alice@contoso.example." in page.inner_text("body")

    page.click("nav[aria-label=Directory] >> text=Enterprise applications")
    page.click("text=+ New application")
    page.fill("input[name=q]", "ssoconsole")
    page.click("button:has-text('Search')")
    page.fill("input[name=name]", "ssoconsole (browser)")
    page.click("button:has-text('Add')")

    page.click("nav[aria-label=Manage] >> text=Properties")
    page.check("input[name=assignment_required][value=no]")
    page.click("button:has-text('Save')")
    assert "Properties saved." in page.inner_text("body")

    page.click("nav[aria-label=Manage] >> text=Single sign-on")
    page.click(".step:has-text('Basic SAML Configuration') >> text=Edit")
    page.fill("input[name=identifier]", "urn:test-sp:browser")
    page.fill("textarea[name=reply_urls]", f"{base}/test-sp/acs")
    page.fill("input[name=sign_on_url]", f"{base}/test-sp/login")
    page.click("button:has-text('Save')")
    metadata_url = page.input_value("#metadata-url")
    app = EnterpriseApp.objects.get(identifier="urn:test-sp:browser")
    assert (
        metadata_url
        == f"{base}/devidp/{app.directory_id}/federationmetadata/2007-06/federationmetadata.xml?appid={app.id}"
    )
    metadata = page.request.get(metadata_url)
    assert metadata.ok and b"IDPSSODescriptor" in metadata.body()

    # SP-initiated sign-in: the test SP redirects to the IdP, the user signs in, the form posts back by itself.
    page.goto(f"{base}/test-sp/login")
    assert "to continue to" in page.inner_text("body")
    page.fill("input[name=username]", "alice@contoso.example")
    page.fill("input[name=password]", "browser-pass-1")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{base}/test-sp/acs")
    assert page.inner_text("#nameid") == "alice@contoso.example"
    assert page.inner_text("#relay") == "browser-relay"

    # My Apps: already signed in to the IdP, the tile goes through the Sign on URL without a prompt.
    page.goto(f"{base}/devidp/{app.directory_id}/myapps")
    page.click("a.tile:has-text('ssoconsole (browser)')")
    page.wait_for_url(f"{base}/test-sp/acs")
    assert page.inner_text("#nameid") == "alice@contoso.example"

    # A Reply URL that is not configured: Entra's error page with AADSTS50011.
    page.goto(f"{base}/test-sp/login?acs={base}/somewhere-else")
    body = page.inner_text("body")
    assert "Sorry, but we're having trouble signing you in." in body
    assert "AADSTS50011" in body and "Correlation Id" in body
