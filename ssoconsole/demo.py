"""The demo tenant that ``ssoconsole demo`` seeds, idempotently.

A newcomer runs ``./run demo`` and gets a console with an administrator, a
test organization and a production organization, following the tutorial's
vocabulary. The administrator's password is generated once per data
directory (never a fixed password in the code) and kept there with mode 0600,
so that every later run can print it again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import User
from ssoconsole.config import load_or_create_secret
from ssoconsole.core.urls import login_url
from ssoconsole.tenancy import services as tenancy
from ssoconsole.tenancy.models import Organization, Tenant

# A fixed id, so that the demo's entity ID and ACS URL stay the same across runs.
DEMO_TENANT_ID = uuid.UUID("5e5c0c0e-0000-4000-8000-00000000de30")
DEMO_TENANT_NAME = "Demo Company"
DEMO_ADMIN = "admin@demo.example"
DEMO_ORGS = ("SSO Test Org", "Production")
DEMO_USERS = (
    # username, first, last, org
    ("test.user@demo.example", "Test", "User", "SSO Test Org"),
    ("alex.wong@demo.example", "Alex", "Wong", "Production"),
    ("maria.garcia@demo.example", "Maria", "Garcia", "Production"),
)


@dataclass(frozen=True)
class DemoInfo:
    tenant: Tenant
    admin_username: str
    admin_password: str
    login_url: str


def demo_admin_password() -> str:
    """Return the demo administrator's password, generating it on the first run."""
    return load_or_create_secret(settings.SSOCONSOLE_DATA_DIR, name="demo_admin_password", nbytes=12)


@transaction.atomic
def seed_demo() -> DemoInfo:
    """Create the demo tenant, its orgs and users where they are missing; change nothing else."""
    password = demo_admin_password()
    tenant = Tenant.objects.filter(id=DEMO_TENANT_ID).first()
    if tenant is None:
        tenant = tenancy.create_tenant(DEMO_TENANT_NAME, tenant_id=DEMO_TENANT_ID, actor_label="demo")
    top = tenancy.top_org(tenant)
    orgs = {}
    for name in DEMO_ORGS:
        org = Organization.objects.filter(tenant=tenant, parent=top, name=name).first()
        orgs[name] = org or tenancy.create_org(tenant, name, parent_id=top.id)
    if not User.objects.filter(username__iexact=DEMO_ADMIN).exists():
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
    for username, first, last, org_name in DEMO_USERS:
        if not User.objects.filter(username__iexact=username).exists():
            accounts.create_user(
                tenant, username, org=orgs[org_name], first_name=first, last_name=last, email=username,
                actor_label="demo",
            )
    return DemoInfo(tenant=tenant, admin_username=DEMO_ADMIN, admin_password=password, login_url=login_url())
