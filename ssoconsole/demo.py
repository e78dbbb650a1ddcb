"""The demo that ``ssoconsole demo`` seeds, idempotently: a tenant and a dev IdP directory to walk the tutorial with.

A newcomer runs ``./run demo`` and gets a console with an administrator, a
test organization and a production organization, following the tutorial's
vocabulary, and beside it a development identity provider directory ("Demo
Company directory") whose users have the same user principal names as the
demo's SSO users. Nothing about SSO is configured: the newcomer does the
tutorial's seven steps themselves (docs/admin-guide.md). ``--configured``
calls :func:`configure_demo`, which does those steps through the same service
functions the console and the dev IdP's admin pages call, so that SSO works at
once.

Every password is generated once per data directory (never a fixed password
in the code) and kept there with mode 0600, so that every later run can print
it again. Seeding changes nothing that exists, except to make a printed
password true again when the data directory was replaced under a kept
database (the banner must never show a password that does not work).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import User
from ssoconsole.config import load_or_create_secret
from ssoconsole.core.urls import absolute, login_url
from ssoconsole.devidp import access as devidp_access
from ssoconsole.devidp import services as devidp
from ssoconsole.devidp.certificates import base64_der
from ssoconsole.devidp.models import Directory, DirectoryUser, EnterpriseApp
from ssoconsole.sso import org_usage, providers
from ssoconsole.sso.models import AuthProvider
from ssoconsole.sso.sp_identity import sp_urls
from ssoconsole.tenancy import services as tenancy
from ssoconsole.tenancy.models import Organization, Tenant

# Fixed ids, so that the demo's entity ID, ACS URL and dev IdP URLs stay the same across runs.
DEMO_TENANT_ID = uuid.UUID("5e5c0c0e-0000-4000-8000-00000000de30")
DEMO_DIRECTORY_ID = uuid.UUID("5e5c0c0e-0000-4000-8000-00000000d1e0")
DEMO_TENANT_NAME = "Demo Company"
DEMO_DIRECTORY_NAME = "Demo Company directory"
DEMO_ADMIN = "admin@demo.example"
TEST_ORG = "SSO Test Org"
PRODUCTION_ORG = "Production"
DEMO_ORGS = (TEST_ORG, PRODUCTION_ORG)
DEMO_USERS = (
    # username (= the dev IdP's UPN), first, last, org
    ("test.user@demo.example", "Test", "User", TEST_ORG),
    ("alex.wong@demo.example", "Alex", "Wong", PRODUCTION_ORG),
    ("maria.garcia@demo.example", "Maria", "Garcia", PRODUCTION_ORG),
)
# In the dev IdP only: the person the tutorial's Step 7 adds to the console.
STEP7_USER = ("sam.lee@demo.example", "Sam", "Lee")
DIRECTORY_USERS = tuple((u, first, last) for u, first, last, _org in DEMO_USERS) + (STEP7_USER,)

# What --configured names things; the tutorial lets the administrator choose these.
DEMO_APP_NAME = "ssoconsole"
DEMO_PROVIDER_NAME = "Demo Company directory"
# Step 4's attribute tags: Entra's default claims, which the dev IdP sends too.
CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
MAPPING = {
    "username": CLAIMS + "name",
    "first_name": CLAIMS + "givenname",
    "last_name": CLAIMS + "surname",
}


@dataclass(frozen=True)
class DirectoryCredential:
    """A dev IdP user as the banner prints it; ``has_console_user`` is False for Step 7's user."""

    upn: str
    display_name: str
    password: str
    has_console_user: bool


@dataclass(frozen=True)
class DemoInfo:
    """Everything the banner prints after seeding: where to go and with which passwords."""

    tenant: Tenant
    admin_username: str
    admin_password: str
    login_url: str
    directory: Directory
    directory_users: tuple[DirectoryCredential, ...]
    devidp_admin_url: str
    devidp_admin_password: str


def demo_admin_password() -> str:
    """Return the demo administrator's password, generating it on the first run."""
    return load_or_create_secret(
        settings.SSOCONSOLE_DATA_DIR, name="demo_admin_password", nbytes=12
    )


def directory_user_password(upn: str) -> str:
    """Return the dev IdP password of the demo user ``upn``, generated on first use (one file per user, mode 0600)."""
    slug = re.sub(r"[^a-z0-9]+", "-", upn.lower()).strip("-")
    return load_or_create_secret(
        settings.SSOCONSOLE_DATA_DIR, name=f"demo_idp_password.{slug}", nbytes=9
    )


@transaction.atomic
def seed_demo() -> DemoInfo:
    """Create the demo tenant, its orgs and users and the dev IdP directory where they are missing.

    SSO stays unconfigured: no enterprise app, no provider, every org on
    password sign-in. Calling it again changes nothing (``tests/demo``).
    """
    password = demo_admin_password()
    tenant = Tenant.objects.filter(id=DEMO_TENANT_ID).first()
    if tenant is None:
        tenant = tenancy.create_tenant(
            DEMO_TENANT_NAME, tenant_id=DEMO_TENANT_ID, actor_label="demo"
        )
    top = tenancy.top_org(tenant)
    orgs = {}
    for name in DEMO_ORGS:
        org = Organization.objects.filter(tenant=tenant, parent=top, name=name).first()
        orgs[name] = org or tenancy.create_org(tenant, name, parent_id=top.id)
    admin = User.objects.filter(username__iexact=DEMO_ADMIN).first()
    if admin is None:
        accounts.create_user(
            tenant,
            DEMO_ADMIN,
            org=top,
            first_name="Demo",
            last_name="Administrator",
            email=DEMO_ADMIN,
            roles=["identity-admin", "org-admin"],
            password=password,
            actor_label="demo",
        )
        # The administrator keeps password sign-in when the top org is switched to
        # SSO ("local users", kept for troubleshooting the provider).
        User.objects.filter(username__iexact=DEMO_ADMIN).update(local_sign_in=True)
    elif not admin.check_password(password):
        accounts.set_password(admin, password)
    for username, first, last, org_name in DEMO_USERS:
        if not User.objects.filter(username__iexact=username).exists():
            accounts.create_user(
                tenant,
                username,
                org=orgs[org_name],
                first_name=first,
                last_name=last,
                email=username,
                actor_label="demo",
            )
    directory, credentials = _seed_directory()
    return DemoInfo(
        tenant=tenant,
        admin_username=DEMO_ADMIN,
        admin_password=password,
        login_url=login_url(),
        directory=directory,
        directory_users=credentials,
        devidp_admin_url=absolute("/devidp/"),
        devidp_admin_password=devidp_access.admin_password(),
    )


def _seed_directory() -> tuple[Directory, tuple[DirectoryCredential, ...]]:
    """Create the dev IdP directory and its users (same UPNs as the demo's SSO users) where missing."""
    directory = devidp.get_or_create_directory(DEMO_DIRECTORY_NAME, directory_id=DEMO_DIRECTORY_ID)
    console_users = {u.lower() for u, *_ in DEMO_USERS}
    credentials = []
    for upn, first, last in DIRECTORY_USERS:
        password = directory_user_password(upn)
        user = devidp.get_or_create_user(directory, upn, first, last, password)
        if not devidp.check_credentials(directory, upn, password):
            _reset_directory_password(user, password)
        credentials.append(
            DirectoryCredential(upn, user.display_name, password, upn.lower() in console_users)
        )
    return directory, tuple(credentials)


def _reset_directory_password(user: DirectoryUser, password: str) -> None:
    """Make the printed password work again (the data directory was replaced, the database kept)."""
    user.password = make_password(password)
    user.save(update_fields=["password"])


# --- ssoconsole demo --configured: the tutorial's seven steps at once ------------------------


@dataclass(frozen=True)
class ConfiguredDemo:
    """What ``--configured`` set up, for the banner and the tests."""

    app: EnterpriseApp
    provider: AuthProvider
    metadata_url: str
    orgs_in_use: int
    provisioning_url: str = ""


def wire_provisioning(tenant: Tenant, app: EnterpriseApp) -> str:
    """Point the dev IdP app's provisioning at the tenant's SCIM endpoint; return the page to run it from.

    A token the app already holds is kept while the console still accepts it,
    so restarting the demo does not pile up tokens; otherwise a new one is made.
    """
    from ssoconsole.devidp import provisioning as devidp_provisioning
    from ssoconsole.devidp.models import ProvisioningConfig
    from ssoconsole.scim.schema import base_url
    from ssoconsole.scim.tokens import create_token, token_for

    config = ProvisioningConfig.objects.filter(app=app).first()
    token = config.secret_token if config else ""
    held = token_for(token) if token else None
    if held is None or held.tenant_id != tenant.id:
        token = create_token(tenant, name="Dev IdP (demo)", actor_label="demo")[0]
    devidp_provisioning.configure(app, tenant_url=base_url(tenant.id), secret_token=token)
    return absolute(f"/devidp/portal/{app.directory_id}/apps/{app.id}/provisioning")


@transaction.atomic
def configure_demo(info: DemoInfo) -> ConfiguredDemo:
    """Do the tutorial's Steps 1 to 7 for the demo, reusing whatever a previous run (or the newcomer) made.

    Step 1 reads the tenant's SP values; Step 2 creates (or corrects) the
    enterprise app in the dev IdP with them, sets Properties as the tutorial
    says and assigns the directory's users; Step 3 creates the provider from
    the App Federation Metadata Url (answered in-process, see
    ``ssoconsole.devidp.local_metadata``); Step 4 maps the username from the
    ``name`` claim; Steps 5 and 6 apply the provider to the test org, then to
    Production. Step 7's users already exist (``seed_demo``), except Sam Lee,
    whom the guide has the newcomer add.
    """
    tenant, directory = info.tenant, info.directory
    sp = sp_urls(tenant)  # Step 1
    app = (
        EnterpriseApp.objects.filter(directory=directory, identifier=sp["entityId"]).first()
        or EnterpriseApp.objects.filter(directory=directory, name=DEMO_APP_NAME)
        .order_by("created_at")
        .first()
        or devidp.create_app(directory, DEMO_APP_NAME)
    )
    if (app.identifier, list(app.reply_urls), app.sign_on_url) != (
        sp["entityId"],
        [sp["acsUrl"]],
        sp["loginUrl"],
    ):
        devidp.configure_saml(app, sp["entityId"], [sp["acsUrl"]], sign_on_url=sp["loginUrl"])
    if (app.enabled_for_sign_in, app.assignment_required, app.visible_to_users) != (
        True,
        False,
        False,
    ):
        devidp.set_properties(
            app, enabled_for_sign_in=True, assignment_required=False, visible_to_users=False
        )
    for user in DirectoryUser.objects.filter(directory=directory):
        devidp.assign(app, user)
    metadata_url = devidp.federation_metadata_url(app)

    provider = (  # Step 3
        AuthProvider.objects.filter(tenant=tenant, entity_id=devidp.entity_id(directory)).first()
        or AuthProvider.objects.filter(
            tenant=tenant, display_name__iexact=DEMO_PROVIDER_NAME
        ).first()
    )
    if provider is None:
        provider = providers.create_provider(tenant, DEMO_PROVIDER_NAME, metadata_url=metadata_url)
    elif not _provider_matches(provider, app, metadata_url):
        provider = providers.update_provider(provider, metadata_url=metadata_url)
    wanted = {"use_default": False, **MAPPING}  # Step 4
    current = {
        "use_default": provider.use_default_mapping,
        "username": provider.username_attribute,
        "first_name": provider.first_name_attribute,
        "last_name": provider.last_name_attribute,
    }
    if current != wanted:
        provider = providers.set_attribute_mapping(provider, **wanted)

    orgs = {o.name: o for o in Organization.objects.filter(tenant=tenant, name__in=DEMO_ORGS)}
    direct = {o.id for o, directly in org_usage.orgs_in_use(provider) if directly}
    count = org_usage.orgs_in_use_count(provider)
    for name in (TEST_ORG, PRODUCTION_ORG):  # Step 5, then Step 6
        if orgs[name].id not in direct:
            direct.add(orgs[name].id)
            count = org_usage.set_orgs_in_use(provider, sorted(direct, key=str))
    return ConfiguredDemo(
        app=app,
        provider=provider,
        metadata_url=metadata_url,
        orgs_in_use=count,
        provisioning_url=wire_provisioning(tenant, app),
    )


def _provider_matches(provider: AuthProvider, app: EnterpriseApp, metadata_url: str) -> bool:
    """Tell whether the provider already trusts this app: same URL, entity ID, sign-in URL and active certificate."""
    active = base64_der(devidp.active_certificate(app).certificate_pem)
    return (
        provider.metadata_url == metadata_url
        and provider.entity_id == devidp.entity_id(app.directory)
        and provider.sso_url_redirect == devidp.sso_url(app.directory)
        and active in [c.replace("\n", "") for c in (provider.signing_certificates or [])]
    )


def banner(info: DemoInfo, configured: ConfiguredDemo | None = None) -> str:
    """Return what ``ssoconsole demo`` prints: every URL and credential a newcomer needs, and what to do next."""
    tenant_id = info.tenant.id
    lines = [
        "",
        "=" * 72,
        f" ssoconsole demo — tenant {info.tenant.name} ({tenant_id})",
        "=" * 72,
        f" Console        {absolute('/console/')}",
        f" Login URL      {info.login_url}",
        f" Administrator  {info.admin_username}",
        f" Password       {info.admin_password}",
        "",
        f" Dev IdP admin  {info.devidp_admin_url}   (the imitation of the Entra admin center)",
        f" Dev IdP admin password  {info.devidp_admin_password}",
        f" Directory      {info.directory.name} ({info.directory.id})",
        " Dev IdP users (UPN / password):",
    ]
    for cred in info.directory_users:
        note = (
            "" if cred.has_console_user else "   (no console user yet: the guide's Step 7 adds one)"
        )
        lines.append(f"   {cred.upn:<30} {cred.password}{note}")
    lines.append("")
    if configured is None:
        lines += [
            " Single sign-on is not configured yet.",
            " Next: follow docs/admin-guide.md (the tutorial) from Step 1.",
            " (Or restart with `./run demo --configured` to have Steps 1 to 6 done for you.)",
        ]
    else:
        lines += [
            f" SSO is configured (--configured): provider '{configured.provider.display_name}', "
            f"used by {configured.orgs_in_use} organization(s).",
            f" App Federation Metadata Url  {configured.metadata_url}",
            f" Try it: open {info.login_url}, enter {DEMO_USERS[0][0]}, and sign in at the dev IdP.",
            f" A desktop agent: ssoconsole-agent login --server {settings.SSOCONSOLE_BASE_URL}"
            "   (docs/agents.md, Try it)",
            (
                " Provisioning (SCIM): the dev IdP app pushes its users to the console; click "
                f"Provision now at {configured.provisioning_url}   (docs/scim.md)"
            ),
            " Next: follow docs/admin-guide.md (the tutorial) from Step 1 to see what was done.",
        ]
    lines.append("=" * 72)
    return "\n".join(lines)
