"""An Identity Management Administrator does tutorial steps 1, 3, 4 and 6 in Chromium, as a new user would.

Step 1: read the service provider metadata URL, entity ID and ACS URL on the
Identity Management screen and open the metadata URL. Step 3: add Entra ID
by uploading its real federation metadata file, and a second provider by URL
from a local HTTPS server. Step 4: map the attributes. Steps 5-6 (the console
part): apply the provider to a test org, then to the top org with
inheritance, and read the effective settings in the org tree.

With ``SSOCONSOLE_SCREENSHOTS=1`` the pages are saved as
``docs/screenshots/identity-*.png``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from ssoconsole.accounts import services as accounts
from ssoconsole.sso import providers
from ssoconsole.sso.models import AuthProvider
from ssoconsole.tenancy import services as tenancy
from ssoconsole.tenancy.services import effective_sso_of

from .conftest import PASSWORD, idp_metadata
from .identity_support import https_idp, local_idp, serve, test_ca  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "idp-samples"
ENTRA_SAMPLE = SAMPLES / "entra-id" / "federationmetadata-common.xml"
CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"


@pytest.fixture
def page(browser, app_url):
    """A page of the session-wide chromium aimed at the live server, whose URL is the configured base URL."""
    context = browser.new_context(base_url=app_url, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def entra_sample_read_when_current(monkeypatch):
    """Read metadata as of 2017-02-14: the Entra sample's signing certificates expired in 2019.

    Only the validity check moves back in time; the provider is stored and
    shown with the real clock, so its certificates appear as expired.
    """
    real = providers.obtain_metadata
    when = dt.datetime(2017, 2, 14, tzinfo=dt.UTC)
    monkeypatch.setattr(providers, "obtain_metadata", lambda **kw: real(**{**kw, "now": when}))


def shot(page, name: str) -> None:
    if os.environ.get("SSOCONSOLE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"identity-{name}.png"), full_page=True)


def success(page) -> str:
    page.wait_for_selector(".message-success")
    return page.inner_text(".message-success")


def test_identity_admin_walks_tutorial_steps_1_3_4_and_6(
    page, app_url, settings, local_idp, entra_sample_read_when_current
):
    tenant = tenancy.create_tenant("Acme Corporation")
    top = tenancy.top_org(tenant)
    sales = tenancy.create_org(tenant, "Sales")
    test_org = tenancy.create_org(tenant, "SSO Test")
    engineering = tenancy.create_org(tenant, "Engineering")
    tenancy.create_org(tenant, "Platform", parent_id=engineering.id)
    accounts.create_user(
        tenant,
        "ida@acme.example",
        org=top,
        roles=["identity-admin"],
        first_name="Ida",
        last_name="Admin",
        password=PASSWORD,
    )
    accounts.create_user(tenant, "tess@acme.example", org=test_org, first_name="Tess")
    okta_url = serve(
        local_idp, "/app/sso/saml/metadata", idp_metadata("http://www.okta.com/exk1test")
    )

    page.goto("/login")
    page.fill("#id_username", "ida@acme.example")
    page.click("button[type=submit]")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")

    # Step 1: Administration > Integrations > Identity Management; the URL is on the main screen.
    page.click("nav.sidebar >> text=Identity Management")
    page.wait_for_url("**/identity-management/")
    metadata_url = page.inner_text("#copy-metadata-url")
    entity_id = page.inner_text("#copy-entity-id")
    acs_url = page.inner_text("#copy-acs-url")
    assert metadata_url == f"{app_url}/sso/{tenant.id}/metadata"
    assert page.inner_text("#copy-login-url") == f"{app_url}/login"  # the server URL plus /login
    shot(page, "01-first-visit")
    # Step 1.5: paste the metadata URL into a new browser window; the XML is shown, not downloaded.
    metadata_page = page.context.new_page()
    response = metadata_page.goto(metadata_url)
    assert response.ok and response.headers["content-type"].startswith("text/xml")
    xml = response.text()
    assert f'entityID="{entity_id}"' in xml
    assert "AssertionConsumerService" in xml and f'Location="{acs_url}"' in xml
    assert "AssertionConsumerService" in metadata_page.content()  # rendered in the window
    metadata_page.close()

    # Step 3: Add Authentication Provider, Entra ID by uploading its metadata file.
    page.click("text=Add Authentication Provider")
    page.fill("#id_display_name", "Microsoft Entra ID")
    page.fill(
        "#id_metadata_url",
        "https://adfs.acme.example/FederationMetadata/2007-06/FederationMetadata.xml",
    )
    settings.SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS = (
        False  # as deployed: standard IdP domains only
    )
    page.click("button:has-text('Create Provider')")
    error = page.inner_text(".source-option .field-error")
    assert "custom domain" in error.lower() and "upload" in error.lower()
    shot(page, "03-add-provider-custom-domain-refused")
    settings.SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS = (
        True  # the local HTTPS IdP of this test, used below
    )
    page.check("input[name=source][value=file]")
    assert not page.is_visible("#id_metadata_url")  # only the chosen source's field is shown
    page.set_input_files("#id_metadata_file", str(ENTRA_SAMPLE))
    shot(page, "04-add-provider-upload")
    page.click("button:has-text('Create Provider')")
    assert "applies to no organization yet" in success(page)
    assert page.inner_text("#idp-entity-id") == "https://sts.windows.net/{tenantid}/"
    assert page.is_visible("#not-applied")
    assert page.locator(".badge-cert-expired").count() == 3 and page.is_visible(
        "#certificates-expired"
    )
    assert page.inner_text("#copy-entity-id") == entity_id  # the SP values are in the details too
    shot(page, "05-provider-details")
    entra = AuthProvider.objects.get(tenant=tenant, display_name="Microsoft Entra ID")

    # Step 4: Attribute mapping with the attribute tag for the username.
    page.click("a[aria-label='Edit Attribute Mapping']")
    page.uncheck("#id_use_default")
    page.check("input[name=username_source][value=attribute]")
    page.fill("#id_username_attribute", CLAIMS + "name")
    page.fill("#id_first_name_attribute", CLAIMS + "givenname")
    page.fill("#id_last_name_attribute", CLAIMS + "surname")
    shot(page, "06-attribute-mapping")
    page.click("button:has-text('Save')")
    assert "Attribute mapping of “Microsoft Entra ID” saved" in success(page)
    assert CLAIMS + "name" in page.inner_text("#mapping-summary")
    entra.refresh_from_db()
    assert (entra.use_default_mapping, entra.username_attribute) == (False, CLAIMS + "name")

    # A second provider by URL, from an HTTPS server with a test CA; then Refresh now.
    page.click("nav.sidebar >> text=Identity Management")
    page.click("text=Add Authentication Provider")
    page.fill("#id_display_name", "Okta")
    page.fill("#id_metadata_url", okta_url)
    page.click("button:has-text('Create Provider')")
    success(page)
    assert page.inner_text("#idp-entity-id") == "http://www.okta.com/exk1test"
    page.click("button:has-text('Refresh now')")
    assert "nothing changed" in success(page)

    # Step 5 (console part): the test org only.
    page.click("nav.sidebar >> text=Identity Management")
    shot(page, "07-provider-list")
    page.click("table.provider-list >> text=Microsoft Entra ID")
    page.click("a[aria-label='Edit Organizations in use']")
    page.check(f"#use-{test_org.id}")
    shot(page, "08-orgs-in-use-test-org")
    page.click("button:has-text('Save')")
    assert "1 organization now sign in" in success(page)
    assert page.inner_text("#orgs-in-use-count") == "1"
    assert (
        effective_sso_of(test_org).provider_id == entra.id and not effective_sso_of(sales).uses_sso
    )

    # Step 6: the top org for everyone; the test org goes back to inheriting.
    page.click("a[aria-label='Edit Organizations in use']")
    page.check(f"#use-{top.id}")
    page.uncheck(f"#use-{test_org.id}")
    page.check(f"#inherit-{test_org.id}")
    page.click("button:has-text('Save')")
    assert "5 organizations now sign in" in success(page)
    assert page.inner_text("#orgs-in-use-count") == "5"
    assert all(
        effective_sso_of(o).provider_id == entra.id for o in (top, sales, test_org, engineering)
    )

    # The org tree shows the effective settings, and where each comes from.
    page.click("nav.sidebar >> text=Organizations")
    page.wait_for_url("**/console/orgs/")
    tree = page.inner_text("main")
    assert tree.count("Single sign-on · Microsoft Entra ID") == 5
    assert "inherited from Acme Corporation" in tree
    shot(page, "09-org-tree-effective")

    # The same choice from an org's settings: Sales to Okta, with the typed confirmation.
    page.click("main >> text=Sales")
    okta = AuthProvider.objects.get(tenant=tenant, display_name="Okta")
    page.check(f"input[name=mode][value='provider:{okta.id}']")
    assert page.is_visible("#sso-confirm")
    page.click("button:has-text('Save sign-in method')")
    assert "Type the organization name “Sales”" in page.inner_text("#sso-confirm")
    page.fill("#id_confirm", "Sales")
    shot(page, "10-org-authentication-confirm")
    page.click("button:has-text('Save sign-in method')")
    assert "now sign in with single sign-on" in success(page)
    assert effective_sso_of(sales).provider_id == okta.id

    # The advanced page, as the vendor names it.
    page.goto(
        f"/console/administration/integrations/identity-management/providers/{entra.id}/advanced/"
    )
    assert page.inner_text("h1") == "Advanced SAML settings"
    shot(page, "11-advanced-saml-settings")
    page.goto(f"/console/administration/integrations/identity-management/providers/{entra.id}/")
    shot(page, "12-provider-details-in-use")
