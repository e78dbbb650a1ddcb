"""The tutorial, Step 1 to Step 7, walked in a real browser on a fresh demo.

The demo is seeded as ``ssoconsole demo`` seeds it (tenant, orgs, users and
the dev IdP directory, nothing about SSO), then one administrator does what
docs/admin-guide.md tells a newcomer to do: read the SP values in the
console, create the enterprise app in the dev IdP with them, add the provider
by its App Federation Metadata Url, map the attributes, try a test org, then
more orgs by inheritance, then add a user. Every sign-in goes through the
console's real login redirect, the dev IdP's sign-in page and the console's
ACS. Nothing is set up behind the browser's back except the seed.

With ``SSOCONSOLE_SCREENSHOTS=1`` the test saves the pages the admin guide
shows into ``docs/screenshots/`` (``tutorial-*.png``); commit them when the
pages change.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ssoconsole import demo
from ssoconsole.accounts.models import User
from ssoconsole.devidp import services as devidp
from ssoconsole.devidp.access import admin_password
from ssoconsole.devidp.models import EnterpriseApp
from ssoconsole.tenancy.models import Organization

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = (
    "true"  # Playwright's sync API beside the live server's ORM
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
TESTER = ("tutorial.tester@demo.example", "Tutorial", "Tester", "tester-password-1")
IDM_PATH = "/console/administration/integrations/identity-management/"


def shot(page, name: str) -> None:
    """Save a screenshot for the admin guide when SSOCONSOLE_SCREENSHOTS=1."""
    if os.environ.get("SSOCONSOLE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"tutorial-{name}.png"), full_page=True)


@pytest.fixture
def fresh_demo(demo_settings, app_url):
    """A fresh demo served by the live server: ``seed_demo`` only, with the dev IdP mounted."""
    return demo.seed_demo()


@pytest.fixture
def new_page(browser):
    """Return a factory of pages, each in its own browser context (its own cookies), closed at the end."""
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


def console_sign_in(page, base: str, username: str, password: str) -> None:
    """Sign in to the console with a password (the demo administrator is a local user)."""
    page.goto(f"{base}/login")
    page.fill("#id_username", username)
    page.click("button:has-text('Continue')")
    page.fill("#id_password", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r".*/console/.*"))


def sso_sign_in(
    page, base: str, username: str, password: str, *, screenshots: str | None = None
) -> None:
    """Sign in through the login URL: username, then the dev IdP's sign-in page, then back to the console."""
    page.goto(f"{base}/login")
    page.fill("#id_username", username)
    if screenshots:
        shot(page, f"{screenshots}-a-login")
    page.click("button:has-text('Continue')")
    page.wait_for_url(re.compile(r".*/devidp/.*/saml2.*"))
    assert "Development identity provider" in page.inner_text("body")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    if screenshots:
        shot(page, f"{screenshots}-b-idp-sign-in")
    page.click("button:has-text('Sign in')")


def assert_signed_in_as(page, base: str, username: str) -> None:
    """The browser ends in the console, signed in as ``username`` (the account menu and /api/v1/me agree)."""
    page.wait_for_url(re.compile(re.escape(base) + r"/console/.*"))
    assert username in page.text_content(".account-menu-who")
    me = page.request.get(f"{base}/api/v1/me")
    assert me.ok and me.json()["username"] == username


def sign_out(page) -> None:
    """Account > Sign Out, as Step 5.6 says."""
    page.click("summary[aria-label^='Account menu']")
    page.click("button:has-text('Sign Out')")


def open_identity_management(page) -> None:
    """Administration > Integrations > Identity Management, through the console's navigation."""
    page.click("nav[aria-label=Console] >> text=Identity Management")
    page.wait_for_url(re.compile(re.escape(IDM_PATH) + "$"))


def open_provider(page, name: str) -> None:
    open_identity_management(page)
    page.click(f"table.provider-list >> text={name}")


def choose_org(page, select: str, org: Organization) -> None:
    page.select_option(select, value=str(org.id))


def test_the_tutorial_from_step_1_to_step_7(fresh_demo, app_url, new_page):
    """A newcomer can do the whole tutorial on the demo, and every kind of user ends up signed in by SSO."""
    base, info = app_url, fresh_demo
    tenant = info.tenant
    passwords = {c.upn: c.password for c in info.directory_users}
    admin = new_page()
    console_sign_in(admin, base, info.admin_username, info.admin_password)

    # Step 1: the SP values, from the Identity Management screen and from the SP metadata.
    open_identity_management(admin)
    entity_id = admin.inner_text("#copy-entity-id").strip()
    acs_url = admin.inner_text("#copy-acs-url").strip()
    login_url = admin.inner_text("#copy-login-url").strip()
    metadata_url = admin.inner_text("#copy-metadata-url").strip()
    shot(admin, "step1-identity-management")
    assert (entity_id, acs_url, login_url) == (
        f"{base}/{tenant.id}",
        f"{base}/sso/{tenant.id}/acs",
        f"{base}/login",
    )
    assert metadata_url == f"{base}/sso/{tenant.id}/metadata"
    sp_metadata = admin.request.get(metadata_url).text()
    assert f'entityID="{entity_id}"' in sp_metadata and f'Location="{acs_url}"' in sp_metadata

    # Step 2: the enterprise app in the dev IdP (its own admin session, like the Azure portal in another tab).
    idp = new_page()
    idp.goto(f"{base}/devidp/")
    idp.fill("input[name=password]", admin_password())
    idp.click("button:has-text('Sign in')")
    idp.click(f"text={demo.DEMO_DIRECTORY_NAME}")
    idp.click(
        "nav[aria-label=Directory] >> text=Users"
    )  # Step 5.1's test user, made now while here
    idp.click("text=+ New user")
    idp.fill("input[name=upn]", TESTER[0])
    idp.fill("input[name=given_name]", TESTER[1])
    idp.fill("input[name=surname]", TESTER[2])
    idp.fill("input[name=password]", TESTER[3])
    idp.click("button:has-text('Create')")
    assert f"Created user {TESTER[0]}." in idp.inner_text("body")
    idp.click("nav[aria-label=Directory] >> text=Enterprise applications")
    idp.click("text=+ New application")
    idp.fill("input[name=q]", "ssoconsole")
    idp.click("button:has-text('Search')")
    shot(idp, "step2-gallery")
    idp.fill("input[name=name]", "ssoconsole (Demo Company)")
    idp.click("button:has-text('Add')")
    idp.click("nav[aria-label=Manage] >> text=Properties")
    idp.check("input[name=enabled_for_sign_in][value=yes]")
    idp.check("input[name=assignment_required][value=no]")
    idp.check("input[name=visible_to_users][value=no]")
    idp.click("button:has-text('Save')")
    assert "Properties saved." in idp.inner_text("body")
    idp.click("nav[aria-label=Manage] >> text=Single sign-on")
    idp.click(".step:has-text('Basic SAML Configuration') >> text=Edit")
    idp.fill("input[name=identifier]", entity_id)
    idp.fill("textarea[name=reply_urls]", acs_url)
    idp.fill("input[name=sign_on_url]", login_url)
    shot(idp, "step2-basic-saml-configuration")
    idp.click("button:has-text('Save')")
    federation_metadata_url = idp.input_value("#metadata-url")
    shot(idp, "step2-app-federation-metadata-url")
    app = EnterpriseApp.objects.get(directory=info.directory, identifier=entity_id)
    assert federation_metadata_url == devidp.federation_metadata_url(app)
    idp.click("nav[aria-label=Manage] >> text=Users and groups")
    for name, upn in (
        ("Test User", "test.user@demo.example"),
        ("Alex Wong", "alex.wong@demo.example"),
        ("Sam Lee", demo.STEP7_USER[0]),
        ("Tutorial Tester", TESTER[0]),
    ):
        idp.select_option("select[name=user]", label=f"{name} ({upn})")
        idp.click("button:has-text('Assign')")
    assigned = idp.inner_text("table.grid")
    assert all(u in assigned for u in ("test.user@demo.example", TESTER[0]))
    assert "maria.garcia@demo.example" not in assigned  # kept unassigned for the refusal at the end

    # Step 3: the provider, by the App Federation Metadata Url ("Enter URL").
    open_identity_management(admin)
    admin.click("text=Add Authentication Provider >> nth=0")
    admin.fill("input[name=display_name]", demo.DEMO_PROVIDER_NAME)
    admin.check("input[name=source][value=url]")
    admin.fill("input[name=metadata_url]", federation_metadata_url)
    shot(admin, "step3-add-provider")
    admin.click("button:has-text('Create Provider')")
    admin.wait_for_selector("#idp-entity-id")
    assert admin.inner_text("#idp-entity-id") == devidp.entity_id(info.directory)
    assert "Not applied yet." in admin.inner_text("#not-applied")
    shot(admin, "step3-provider-details")

    # Step 4: attribute mapping with Entra's claim names.
    admin.click("a[aria-label='Edit Attribute Mapping']")
    admin.uncheck("input[name=use_default]")
    admin.check("input[name=username_source][value=attribute]")
    admin.fill("input[name=username_attribute]", CLAIMS + "name")
    admin.fill("input[name=first_name_attribute]", CLAIMS + "givenname")
    admin.fill("input[name=last_name_attribute]", CLAIMS + "surname")
    shot(admin, "step4-attribute-mapping")
    admin.click("button:has-text('Save')")
    assert CLAIMS + "name" in admin.inner_text("#mapping-summary")

    # Step 5: a test org, a matching test user, the provider on that org only, then the test user signs in.
    top = Organization.objects.get(tenant=tenant, parent=None)
    admin.click("nav[aria-label=Console] >> text=Organizations")
    admin.click("text=New organization")
    admin.fill("input[name=name]", "Tutorial Test Org")
    choose_org(admin, "select[name=parent]", top)
    admin.click("button:has-text('Create organization')")
    test_org = Organization.objects.get(tenant=tenant, name="Tutorial Test Org")
    admin.click("nav[aria-label=Console] >> text=Users")
    admin.click("text=New user")
    admin.fill("input[name=username]", TESTER[0])
    admin.fill("input[name=first_name]", "Tut")  # the assertion's names replace these at sign-in
    admin.fill("input[name=last_name]", "T")
    choose_org(admin, "select[name=org]", test_org)
    admin.click("button:has-text('Create user')")
    assert User.objects.filter(username__iexact=TESTER[0], org=test_org).exists()
    open_provider(admin, demo.DEMO_PROVIDER_NAME)
    admin.click("a[aria-label='Edit Organizations in use']")
    admin.check(f"#use-{test_org.id}")
    shot(admin, "step5-organizations-in-use")
    admin.click("button:has-text('Save')")
    assert admin.inner_text("#orgs-in-use-count").strip() == "1"
    sign_out(admin)

    tester = new_page()
    sso_sign_in(tester, base, TESTER[0], TESTER[3], screenshots="step5-sign-in")
    assert_signed_in_as(tester, base, TESTER[0])
    shot(tester, "step5-signed-in")
    user = User.objects.get(username__iexact=TESTER[0])
    assert (user.first_name, user.last_name) == (TESTER[1], TESTER[2])  # Step 4's mapping at work
    # SSO for the test org only: a Production user still signs in with a password.
    other = new_page()
    other.goto(f"{base}/login")
    other.fill("#id_username", "alex.wong@demo.example")
    other.click("button:has-text('Continue')")
    assert "/devidp/" not in other.url

    # Step 6: every org, by the top org and inheritance.
    console_sign_in(admin, base, info.admin_username, info.admin_password)
    open_provider(admin, demo.DEMO_PROVIDER_NAME)
    admin.click("a[aria-label='Edit Organizations in use']")
    admin.check(f"#use-{top.id}")
    for org in Organization.objects.filter(tenant=tenant, name__in=demo.DEMO_ORGS):
        admin.check(f"#inherit-{org.id}")
    shot(admin, "step6-organizations-in-use")
    admin.click("button:has-text('Save')")
    every_org = Organization.objects.filter(tenant=tenant).count()
    assert admin.inner_text("#orgs-in-use-count").strip() == str(every_org)
    shot(admin, "step6-provider-details")
    alex = new_page()
    sso_sign_in(alex, base, "alex.wong@demo.example", passwords["alex.wong@demo.example"])
    assert_signed_in_as(alex, base, "alex.wong@demo.example")
    # The administrator is a local user: the top org uses SSO, the admin keeps the password.
    sign_out(admin)
    console_sign_in(admin, base, info.admin_username, info.admin_password)

    # Step 7: add a user in the console who exists at the IdP; that user signs in.
    sam, first, last = demo.STEP7_USER
    admin.click("nav[aria-label=Console] >> text=Users")
    admin.click("text=New user")
    admin.fill("input[name=username]", sam)
    choose_org(
        admin, "select[name=org]", Organization.objects.get(tenant=tenant, name=demo.PRODUCTION_ORG)
    )
    shot(admin, "step7-new-user")
    admin.click("button:has-text('Create user')")
    sam_page = new_page()
    sso_sign_in(sam_page, base, sam, passwords[sam])
    assert_signed_in_as(sam_page, base, sam)
    assert User.objects.get(username__iexact=sam).first_name == first

    # What to expect: no new prompt while the IdP session lasts (the same browser signs in again at once).
    sign_out(sam_page)
    sam_page.goto(f"{base}/login")
    sam_page.fill("#id_username", sam)
    sam_page.click("button:has-text('Continue')")
    assert_signed_in_as(sam_page, base, sam)
    assert last == User.objects.get(username__iexact=sam).last_name


def test_the_dev_idp_refusals_seen_from_the_console(fresh_demo, app_url, new_page):
    """An unassigned user meets AADSTS50105, a wrong Reply URL AADSTS50011, and no console session is made."""
    base, info = app_url, fresh_demo
    done = demo.configure_demo(info)  # --configured, then the administrator tightens the app
    passwords = {c.upn: c.password for c in info.directory_users}
    idp = new_page()
    idp.goto(f"{base}/devidp/portal/{info.directory.id}/apps/{done.app.id}/properties")
    idp.fill("input[name=password]", admin_password())
    idp.click("button:has-text('Sign in')")
    idp.check("input[name=assignment_required][value=yes]")
    idp.click("button:has-text('Save')")
    idp.click("nav[aria-label=Manage] >> text=Users and groups")
    idp.click("tr:has-text('maria.garcia@demo.example') >> button:has-text('Remove')")

    maria = new_page()
    sso_sign_in(maria, base, "maria.garcia@demo.example", passwords["maria.garcia@demo.example"])
    maria.wait_for_selector(".aadsts")
    assert "AADSTS50105" in maria.inner_text(".aadsts")
    shot(maria, "refusal-aadsts50105")
    assert maria.request.get(f"{base}/api/v1/me").status == 401

    idp.click("nav[aria-label=Manage] >> text=Single sign-on")
    idp.click(".step:has-text('Basic SAML Configuration') >> text=Edit")
    idp.fill("textarea[name=reply_urls]", f"{base}/sso/{info.tenant.id}/wrong-acs")
    idp.click("button:has-text('Save')")
    alex = new_page()
    alex.goto(f"{base}/login")
    alex.fill("#id_username", "alex.wong@demo.example")
    alex.click("button:has-text('Continue')")
    alex.wait_for_selector(".aadsts")
    assert "AADSTS50011" in alex.inner_text(".aadsts")
    assert alex.request.get(f"{base}/api/v1/me").status == 401


def test_usernames_must_match_seen_from_the_console(fresh_demo, app_url, new_page):
    """Someone who signs in at the IdP as a user the console does not know gets sso.unknown_user, not a session."""
    base, info = app_url, fresh_demo
    demo.configure_demo(info)
    passwords = {c.upn: c.password for c in info.directory_users}
    sam = demo.STEP7_USER[0]  # at the dev IdP only, until Step 7 adds him to the console
    page = new_page()
    page.goto(f"{base}/login")
    page.fill("#id_username", "alex.wong@demo.example")
    page.click("button:has-text('Continue')")
    page.wait_for_url(re.compile(r".*/devidp/.*/saml2.*"))
    page.fill(
        "input[name=username]", sam
    )  # a different account at the IdP than the one typed at the console
    page.fill("input[name=password]", passwords[sam])
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("code[data-code]")
    assert page.get_attribute("code[data-code]", "data-code") == "sso.unknown_user"
    assert "no account with your username" in page.inner_text("main")
    shot(page, "refusal-unknown-user")
    assert page.request.get(f"{base}/api/v1/me").status == 401
