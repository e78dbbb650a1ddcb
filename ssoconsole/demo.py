"""The demo data of ``ssoconsole demo``: one tenant with a small org tree and an administrator.

Seeding is idempotent: the tenant has a fixed id, and each record is created
only when missing, so ``./run demo`` can be run again and again. The
administrator's password is generated once into the data directory (mode
0600, like the secret key) rather than written in the code.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from ssoconsole.accounts.roles import Role
from ssoconsole.accounts.services import create_user, find_user_by_username, set_password
from ssoconsole.config import load_or_create_secret
from ssoconsole.tenancy.models import Organization, Tenant
from ssoconsole.tenancy.services import create_org, create_tenant, top_org

DEMO_TENANT_ID = uuid.UUID("6f1b8c2e-4a57-4d0e-9b3a-0d2c5e7f9a11")
DEMO_TENANT_NAME = "Demo Company"
DEMO_ADMIN = "admin@demo.example"
DEMO_ORGS = [("Engineering", None), ("Sales", None), ("SSO Test", "Engineering")]
DEMO_USERS = [("ada@demo.example", "Ada", "Lovelace", "Engineering"), ("sam@demo.example", "Sam", "Seller", "Sales")]


@dataclass(frozen=True)
class DemoCredentials:
    tenant_id: uuid.UUID
    username: str
    password: str


@transaction.atomic
def seed() -> DemoCredentials:
    """Create whatever of the demo data is missing and return the administrator's credentials."""
    password = load_or_create_secret(settings.SSOCONSOLE_DATA_DIR, "demo-admin-password", nbytes=12)
    tenant = Tenant.objects.filter(id=DEMO_TENANT_ID).first() or create_tenant(
        DEMO_TENANT_NAME, tenant_id=DEMO_TENANT_ID, actor_label="demo"
    )
    orgs = {o.name: o for o in Organization.objects.filter(tenant=tenant)}
    for name, parent in DEMO_ORGS:
        if name not in orgs:
            orgs[name] = create_org(tenant, name, parent_id=orgs[parent].id if parent else None)
    admin = find_user_by_username(DEMO_ADMIN)
    if admin is None:
        create_user(
            tenant, DEMO_ADMIN, org=top_org(tenant), first_name="Demo", last_name="Administrator",
            roles=[Role.IDENTITY_ADMIN, Role.ORG_ADMIN], password=password, actor_label="demo",
        )
    elif not admin.check_password(password):
        # The password file was replaced or deleted: make the printed password true again.
        set_password(admin, password)
    for username, first, last, org_name in DEMO_USERS:
        if find_user_by_username(username) is None:
            create_user(tenant, username, org=orgs[org_name], first_name=first, last_name=last, actor_label="demo")
    return DemoCredentials(tenant.id, DEMO_ADMIN, password)
