"""End to end in Chromium: a user provisioned through SCIM signs in with SSO; deprovisioned, they stop.

The demo is configured as ``ssoconsole demo --configured`` configures it
(SSO on the Test and Production organizations, the dev IdP app's provisioning
pointed at the tenant's SCIM endpoint). A new directory user has no console
user; the administrator chooses the default organization in the console's
Provisioning page, then clicks *Provision now* in the dev IdP, which pushes
the directory over HTTP. The new user then signs in through the dev IdP and
gets an agent; after their account is disabled in the directory and the next
cycle runs, their browser session and their agent are refused.

With ``SSOCONSOLE_SCREENSHOTS=1`` the pages docs/scim.md shows are saved to
``docs/screenshots/`` (``provisioning-*.png``).
"""

from __future__ import annotations

import os

import httpx
import pytest

from ssoconsole import demo
from ssoconsole.accounts.models import User
from ssoconsole.devidp import services as devidp
from ssoconsole.devidp.access import admin_password
from ssoconsole.scim.models import ScimUser
from ssoconsole.tenancy.models import Organization
from tests.agents.helpers import make_agent

from .test_walkthrough import SCREENSHOTS, assert_signed_in_as, console_sign_in, sso_sign_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = (
    "true"  # Playwright's sync API beside the live server's ORM
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEWCOMER = ("pat.new@demo.example", "Pat", "New", "pat-password-1")
IDM_PATH = "/console/administration/integrations/identity-management/"


@pytest.fixture
def fresh_demo(demo_settings, app_url):
    """A fresh demo served by the live server, as in the walkthrough test."""
    return demo.seed_demo()


@pytest.fixture
def new_page(browser):
    """A factory of pages, each in its own browser context, closed at the end."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def _shot(page, name):
    """Save a screenshot for docs/scim.md when SSOCONSOLE_SCREENSHOTS=1."""
    if os.environ.get("SSOCONSOLE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"provisioning-{name}.png"), full_page=True)


def _provision_now(idp, base, configured) -> None:
    idp.goto(configured.provisioning_url)
    idp.click("button:has-text('Provision now')")
    idp.wait_for_selector("text=Cycle finished")


def test_a_scim_provisioned_user_signs_in_with_sso_and_deprovisioning_stops_session_and_agent(
    fresh_demo, app_url, new_page
):
    base, info = app_url, fresh_demo
    configured = demo.configure_demo(info)
    upn, given, surname, password = NEWCOMER
    person = devidp.create_user(info.directory, upn, given, surname, password, mail=upn)
    assert not User.objects.filter(username=upn).exists()

    admin = new_page()
    console_sign_in(admin, base, info.admin_username, info.admin_password)
    admin.goto(f"{base}{IDM_PATH}provisioning/")
    assert f"/scim/v2/{info.tenant.id}" in admin.inner_text("#copy-tenant-url")
    production = Organization.objects.get(tenant=info.tenant, name=demo.PRODUCTION_ORG)
    admin.select_option("#id_default_org", value=str(production.id))
    admin.click("button:has-text('Save rules')")
    assert "Placement rules saved" in admin.inner_text("body")

    idp = new_page()
    idp.goto(f"{base}/devidp/")
    idp.fill("input[name=password]", admin_password())
    idp.click("button:has-text('Sign in')")
    _provision_now(idp, base, configured)
    assert "Create" in idp.inner_text(".provisioning-log") and upn in idp.inner_text(
        ".provisioning-log"
    )
    _shot(idp, "devidp-log")
    user = User.objects.get(username=upn)
    assert (user.first_name, user.last_name, user.org.name) == (given, surname, demo.PRODUCTION_ORG)
    assert ScimUser.objects.get(user=user).deleted_at is None

    pat = new_page()
    sso_sign_in(pat, base, upn, password)
    assert_signed_in_as(pat, base, upn)
    agent = make_agent(user, device_name="Pat's laptop")
    agent_api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {agent.token}"})
    assert agent_api.get("/api/v1/agents/me").status_code == 200

    admin.goto(f"{base}{IDM_PATH}provisioning/")
    assert "POST /scim/v2/" in admin.inner_text(".scim-requests")
    _shot(admin, "console")

    devidp.set_account_enabled(person, False)
    _provision_now(idp, base, configured)
    assert "Changed active" in idp.inner_text(".provisioning-log")
    user.refresh_from_db()
    assert not user.is_active
    pat.goto(f"{base}/console/")
    assert "/login" in pat.url
    refused = agent_api.get("/api/v1/agents/me")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "user_inactive"
    agent_api.close()
