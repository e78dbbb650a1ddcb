"""An administrator signs in with a password, creates an org and a user, and signs out, in Chromium.

With ``SSOCONSOLE_SCREENSHOTS=1`` the test also saves the main pages to
``docs/screenshots/`` so the UI can be reviewed without running it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import User
from ssoconsole.tenancy import services as tenancy
from ssoconsole.tenancy.models import Organization

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def page(browser, live_server):
    """A page of the session-wide chromium (tests/django_fixtures.py) aimed at the live server."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    if os.environ.get("SSOCONSOLE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_admin_signs_in_creates_org_and_user_and_signs_out(page):
    tenant = tenancy.create_tenant("Acme Corporation")
    top = tenancy.top_org(tenant)
    engineering = tenancy.create_org(tenant, "Engineering")
    tenancy.create_org(tenant, "Platform", parent_id=engineering.id)
    tenancy.create_org(tenant, "Sales")
    accounts.create_user(
        tenant,
        "admin@acme.example",
        org=top,
        roles=["identity-admin", "org-admin"],
        first_name="Avery",
        last_name="Admin",
        password=PASSWORD,
    )
    for name in ("grace", "linus", "margaret"):
        accounts.create_user(
            tenant,
            f"{name}@acme.example",
            org=engineering,
            first_name=name.title(),
            email=f"{name}@acme.example",
        )

    page.goto("/")
    assert page.url.endswith("/login") or "/login?" in page.url
    shot(page, "01-login")
    page.fill("#id_username", "ADMIN@acme.example")
    page.click("button[type=submit]")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    assert page.locator("h1").inner_text().startswith("Welcome, Avery Admin")
    shot(page, "02-dashboard")

    page.click("nav.sidebar >> text=Organizations")
    page.wait_for_url("**/console/orgs/")
    shot(page, "03-organizations")
    page.click("text=New organization")
    page.fill("#id_name", "engineering")
    page.click("button:has-text('Create organization')")
    assert "already exists under the same parent" in page.inner_text(".field-error")
    shot(page, "04a-field-error")
    page.fill("#id_name", "Test SSO")
    page.select_option("#id_parent", label="\u00a0\u00a0\u00a0Engineering")
    page.click("button:has-text('Create organization')")
    page.wait_for_selector(".message-success")
    assert "Organization “Test SSO” created" in page.inner_text(".message-success")
    org = Organization.objects.get(name="Test SSO")
    assert org.parent_id == engineering.id
    shot(page, "04-organization-settings")

    page.click("nav.sidebar >> text=Users")
    page.wait_for_url("**/console/users/")
    shot(page, "05-users")
    page.click("text=New user")
    page.fill("#id_username", "tess@acme.example")
    page.fill("#id_first_name", "Tess")
    page.fill("#id_last_name", "Tester")
    page.fill("#id_email", "tess@acme.example")
    page.select_option("#id_org", label="\u00a0" * 6 + "Test SSO")
    shot(page, "05a-new-user")
    page.click("button:has-text('Create user')")
    page.wait_for_selector(".message-success")
    user = User.objects.get(username="tess@acme.example")
    assert user.org_id == org.id and user.role_names == ["user"]
    shot(page, "06-user-detail")

    page.click("nav.sidebar >> text=Identity Management")
    page.wait_for_url("**/identity-management/")
    copy = page.locator("button[data-copy-target='copy-metadata-url']")
    assert copy.is_visible()  # shown by the script; hidden without JavaScript
    copy.click()
    page.wait_for_function(
        "document.getElementById('copy-metadata-url-status').textContent.length > 0"
    )
    shot(page, "07-identity-management")

    page.click("nav.sidebar >> text=Audit log")
    page.wait_for_url("**/console/audit/")
    page.locator("details.audit-data summary").first.click()
    shot(page, "08-audit-log")

    page.goto("/console/account/")
    page.fill("#id_name", "backup script")
    page.click("button:has-text('Create token')")
    token = page.inner_text("#copy-new-token")
    assert (
        token.startswith("ssoc_")
        and accounts.user_for_token(token).username == "admin@acme.example"
    )
    shot(page, "09-account-token-created")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/console/orgs/")
    shot(page, "11-narrow-organizations")
    page.set_viewport_size({"width": 1280, "height": 860})

    page.click("summary:has-text('Account')")
    page.click("button:has-text('Sign Out')")
    page.wait_for_url("**/signed-out")
    shot(page, "10-signed-out")
    page.goto("/console/")
    assert "/login" in page.url
    page.goto("/console/no-such-page/")
    shot(page, "12-not-found")


def test_plain_user_sees_only_their_dashboard_and_account(page):
    tenant = tenancy.create_tenant("Acme Corporation")
    accounts.create_user(
        tenant,
        "pat@acme.example",
        org=tenancy.top_org(tenant),
        first_name="Pat",
        last_name="User",
        password=PASSWORD,
    )
    page.goto("/console/users/")
    page.fill("#id_username", "pat@acme.example")
    page.click("button[type=submit]")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/users/")
    assert "You do not have access to this page" in page.inner_text("main")
    shot(page, "13-forbidden")
    page.goto("/console/")
    assert page.locator("nav.sidebar a").all_inner_texts() == ["Dashboard"]
    shot(page, "14-dashboard-plain-user")
