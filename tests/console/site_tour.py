"""A populated console and dev IdP, and the tour of their main pages, for the browser-wide checks.

The accessibility and small-screen tests visit every main page of the
console and of the development identity provider in the states an
administrator meets: lists with data (including an Entity ID long enough to
break a narrow table), a refused form, a test sign-in's result, the sign-in
pages. :func:`populate` builds that world from the demo (as ``ssoconsole
demo --configured`` does) plus a few records; :func:`tour` drives one browser
page through it and calls ``visit(name)`` on each stop, so that a test
decides what to check there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sso import helpers as sso_helpers

from ssoconsole import demo
from ssoconsole.accounts import services as accounts
from ssoconsole.audit.log import record
from ssoconsole.audit.models import AuditEvent, Outcome
from ssoconsole.core import clock
from ssoconsole.devidp.access import admin_password
from ssoconsole.sso.providers import create_provider
from ssoconsole.tenancy import domains
from ssoconsole.tenancy.models import Organization

LONG_ENTITY_ID = (
    "https://sts.windows.net/3f2a9c1e-5b7d-4e8a-9c0f-1d2e3f4a5b6c/"
    "federation/metadata/contoso-production-tenant-with-a-very-long-identifier/"
)
IDM = "/console/administration/integrations/identity-management/"


@dataclass
class Site:
    base: str
    info: demo.DemoInfo
    configured: demo.ConfiguredDemo
    long_provider: object

    @property
    def passwords(self) -> dict:
        return {c.upn: c.password for c in self.info.directory_users}


def populate(base: str) -> Site:
    """Seed the configured demo plus a long-named provider, more users and 30 days of sign-ins."""
    info = demo.seed_demo()
    configured = demo.configure_demo(info)
    tenant = info.tenant
    long_provider = create_provider(
        tenant,
        "Contoso production directory",
        metadata_xml=sso_helpers.idp_metadata(
            LONG_ENTITY_ID, [sso_helpers.make_cert("Contoso")[1]]
        ),
    )
    production = Organization.objects.get(tenant=tenant, name=demo.PRODUCTION_ORG)
    for n in range(4):
        accounts.create_user(
            tenant,
            f"person.with.a.long.name.{n}@engineering.demo.example",
            org=production,
            first_name="Alexandra-Maria",
            last_name=f"Konstantinopoulou {n}",
            email=f"person.with.a.long.name.{n}@engineering.demo.example",
            actor_label="test",
        )
    domains.add_domain(
        tenant, "demo.example"
    )  # a pending domain: the Domains page shows its record
    _sign_in_history(tenant, configured.provider)
    return Site(base=base, info=info, configured=configured, long_provider=long_provider)


def _sign_in_history(tenant, provider) -> None:
    """Record a month of sign-ins through ``provider``: successes and three kinds of refusal."""
    now = clock.now()
    reasons = ("saml.signature_invalid", "sso.unknown_user", "saml.audience_mismatch")
    for day in range(30):
        for n in range(day % 5 + 1):
            event = record(
                "auth.signin",
                tenant=tenant,
                actor_label="alex.wong@demo.example",
                data={"method": "saml", "providerId": str(provider.id)},
            )
            AuditEvent.objects.filter(id=event.id).update(
                created_at=now - timedelta(days=day, minutes=n)
            )
        for n, reason in enumerate(reasons[: day % 4]):
            event = record(
                "auth.signin",
                tenant=tenant,
                actor_label="maria.garcia@demo.example",
                outcome=Outcome.FAILURE,
                reason_code=reason,
                data={
                    "method": "saml",
                    "providerId": str(provider.id),
                    "provider": provider.display_name,
                    "adminMessage": "The sign-in was refused.",
                },
            )
            AuditEvent.objects.filter(id=event.id).update(
                created_at=now - timedelta(days=day, hours=1, minutes=n)
            )


def sign_in_to_console(page, site: Site, visit=None) -> None:
    """Sign in as the demo administrator with a password, visiting both steps of /login."""
    page.goto(site.base + "/login")
    if visit:
        visit("login: username step")
    page.fill("#id_username", site.info.admin_username)
    page.click("button:has-text('Continue')")
    page.wait_for_selector("#id_password")
    if visit:
        visit("login: password step")
    page.fill("#id_password", site.info.admin_password)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r".*/console/$"))


def console_tour(page, site: Site, visit) -> None:
    """Visit the console's main pages as the demo administrator."""
    base, tenant = site.base, site.info.tenant
    provider = site.configured.provider
    page.goto(base + "/login?username=nobody%40")
    visit("login: refused username")
    sign_in_to_console(page, site, visit)
    visit("dashboard")
    stops = [
        ("organizations", "/console/orgs/"),
        ("new organization", "/console/orgs/new/"),
        (
            "organization",
            f"/console/orgs/{Organization.objects.get(tenant=tenant, parent=None).id}/",
        ),
        ("users", "/console/users/"),
        ("new user", "/console/users/new/"),
        ("identity management", IDM),
        ("add provider", IDM + "providers/new/"),
        ("provider", f"{IDM}providers/{provider.id}/"),
        ("provider with a long entity ID", f"{IDM}providers/{site.long_provider.id}/"),
        ("attribute mapping", f"{IDM}providers/{provider.id}/attribute-mapping/"),
        ("organizations in use", f"{IDM}providers/{provider.id}/organizations/"),
        ("advanced SAML settings", f"{IDM}providers/{provider.id}/advanced/"),
        ("add local user", IDM + "local-users/add/"),
        ("service provider keys", IDM + "sp-keys/"),
        ("domains", IDM + "domains/"),
        ("provisioning", IDM + "provisioning/"),
        ("agents", "/console/agents/"),
        ("audit log", "/console/audit/"),
        ("account", "/console/account/"),
        ("not found", "/console/no-such-page/"),
    ]
    for name, path in stops:
        page.goto(base + path)
        visit(name)
    page.goto(base + "/console/users/")
    page.click("table >> text=alex.wong@demo.example")
    page.wait_for_url(re.compile(r".*/console/users/[0-9a-f-]+/$"))
    visit("user")
    page.goto(base + "/console/users/new/")
    page.click("button:has-text('Create user')")
    page.wait_for_selector(".error-summary")
    visit("new user: refused")
    page.goto(base + IDM + "local-users/add/")
    page.click("button[type=submit]:has-text('Add')")
    page.wait_for_selector(".error-summary")
    visit("add local user: refused")
    page.goto(f"{base}/console/identity-management/providers/{provider.id}/test")
    visit("test a provider")
    page.click("button:has-text('Start the test sign-in')")
    page.wait_for_url(re.compile(r".*/devidp/.*/saml2.*"))
    visit("dev IdP: sign-in")
    page.fill("input[name=username]", "test.user@demo.example")
    page.fill("input[name=password]", site.passwords["test.user@demo.example"])
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r".*/test/results/.*"))
    visit("test result")
    # A response nobody asked for, posted to the ACS as a browser would: the refusal page.
    page.evaluate(
        """acs => { const f = document.createElement('form'); f.method = 'post'; f.action = acs;
          const i = document.createElement('input'); i.name = 'SAMLResponse'; i.value = 'bm90IHNhbWw=';
          f.appendChild(i); document.body.appendChild(f); f.submit(); }""",
        f"{base}/sso/{tenant.id}/acs",
    )
    page.wait_for_selector("code[data-code]")
    visit("sign-in refused")
    page.goto(base + "/console/")  # still signed in: a refused response ends no session
    page.click("summary[aria-label^='Account menu']")
    page.click("button:has-text('Sign Out')")
    page.wait_for_url(re.compile(r".*/signed-out"))
    visit("signed out")


def devidp_tour(page, site: Site, visit) -> None:
    """Visit the dev IdP's admin pages and its end-user page."""
    base = site.base
    directory, app = site.info.directory, site.configured.app
    page.goto(base + "/devidp/")
    visit("dev IdP: admin sign-in")
    page.fill("input[name=password]", admin_password())
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("main")
    visit("dev IdP: home")
    portal = f"/devidp/portal/{directory.id}/"
    stops = [
        ("dev IdP: directory", portal),
        ("dev IdP: users", portal + "users"),
        ("dev IdP: new user", portal + "users/new"),
        ("dev IdP: sign-in logs", portal + "sign-ins"),
        ("dev IdP: enterprise applications", portal + "apps"),
        ("dev IdP: new application", portal + "apps/new"),
        ("dev IdP: application", f"{portal}apps/{app.id}/"),
        ("dev IdP: properties", f"{portal}apps/{app.id}/properties"),
        ("dev IdP: single sign-on", f"{portal}apps/{app.id}/sso"),
        ("dev IdP: basic SAML configuration", f"{portal}apps/{app.id}/sso/basic"),
        ("dev IdP: signing", f"{portal}apps/{app.id}/sso/signing"),
        ("dev IdP: users and groups", f"{portal}apps/{app.id}/users"),
        ("dev IdP: provisioning", f"{portal}apps/{app.id}/provisioning"),
        ("dev IdP: my apps", f"/devidp/{directory.id}/myapps"),
    ]
    for name, path in stops:
        page.goto(base + path)
        visit(name)
