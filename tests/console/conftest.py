"""Fixtures of the console tests: two tenants, each with a fixed org tree and one user per role.

The common fixtures (tests/django_fixtures.py) give one user per role with
generated names; the role and isolation matrices need more: a three-level
tree, a user holding both admin roles, a spare target user and the same
shape in a second tenant, with readable names to look for in pages. Clients
sign in with ``force_login``, which passes the same session timeouts as a
sign-in through ``/login`` (tested by the sign-in tests and the browser test).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.test import Client
from sso import helpers as sso_helpers

from ssoconsole.accounts import services as accounts
from ssoconsole.sso.providers import create_provider
from ssoconsole.tenancy import services as tenancy

ROLES = ("identity-admin", "org-admin", "user")
ALL_ROLES = (*ROLES, "anonymous")
PASSWORD = "correct horse battery staple"


@dataclass
class Tenant:
    """One tenant: top org > Engineering > Platform, a user per role, a spare target user."""

    tenant: object
    top: object
    child: object
    grandchild: object
    users: dict = field(default_factory=dict)
    target: object = None
    provider: object = None

    def client(self, role: str) -> Client:
        """A test client signed in as the user of ``role``, or anonymous for ``"anonymous"``."""
        client = Client()
        if role != "anonymous":
            client.force_login(self.users[role])
        return client


_IDP_CERT = []


def idp_metadata(entity_id: str) -> bytes:
    """Return IdP metadata for ``entity_id``, signed-key material generated once per run (it is slow)."""
    if not _IDP_CERT:
        _IDP_CERT.append(sso_helpers.make_cert("Console test IdP")[1])
    return sso_helpers.idp_metadata(entity_id, [_IDP_CERT[0]])


def build_tenant(name: str) -> Tenant:
    tenant = tenancy.create_tenant(name)
    top = tenancy.top_org(tenant)
    child = tenancy.create_org(tenant, "Engineering")
    grandchild = tenancy.create_org(tenant, "Platform", parent_id=child.id)
    world = Tenant(tenant=tenant, top=top, child=child, grandchild=grandchild)
    for role in ROLES:
        world.users[role] = accounts.create_user(
            tenant,
            f"{role}@{name}.example",
            org=top,
            roles=[role],
            first_name=role.title(),
            password=PASSWORD,
        )
    world.users["both"] = accounts.create_user(
        tenant, f"both@{name}.example", org=top, roles=["identity-admin", "org-admin"]
    )
    world.target = accounts.create_user(
        tenant, f"target@{name}.example", org=child, first_name="Tara", last_name="Get"
    )
    return world


def add_provider(world: Tenant) -> Tenant:
    """Give ``world`` an authentication provider that no org uses yet (as right after tutorial step 3)."""
    name = world.tenant.name
    world.provider = create_provider(
        world.tenant,
        f"{name.title()} IdP",
        metadata_xml=idp_metadata(f"https://idp.{name}.example/"),
    )
    return world


@pytest.fixture
def world(db) -> Tenant:
    return build_tenant("acme")


@pytest.fixture
def other(db) -> Tenant:
    """A second tenant whose records must stay invisible from the first."""
    return build_tenant("globex")


@pytest.fixture
def acme_admin(world) -> Client:
    """Signed in as a user holding both admin roles, so every console page is open."""
    return world.client("both")


@pytest.fixture
def acme_org_admin(world) -> Client:
    return world.client("org-admin")


@pytest.fixture
def acme_identity_admin(world) -> Client:
    return world.client("identity-admin")
