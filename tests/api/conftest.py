"""Fixtures of the REST API tests: two tenants, a user per role, tokens and a JSON client.

Kept here (not in tests/conftest.py) so that the API tests depend only on
the services they exercise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.roles import Role
from ssoconsole.tenancy import services as tenancy

ROLES = ("identity-admin", "org-admin", "user")


class ApiClient:
    """A Django test client that speaks JSON and, when given a token, sends it as a bearer token."""

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.client = client or Client()
        self.token = token

    def request(
        self,
        method: str,
        path: str,
        body=None,
        *,
        raw: bytes | str | None = None,
        content_type="application/json",
        headers=None,
    ):
        headers = dict(headers or {})
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        kwargs = {"headers": headers}
        if raw is not None:
            kwargs.update(data=raw, content_type=content_type)
        elif body is not None:
            kwargs.update(data=json.dumps(body), content_type=content_type)
        return getattr(self.client, method.lower())(path, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def session_client(user) -> tuple[ApiClient, str]:
    """A client signed in to the console as ``user`` that enforces CSRF like a browser; returns it and its CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token = _get_new_csrf_string()  # what the console's pages would hand the browser
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return ApiClient(client=client), token


@dataclass
class World:
    """One tenant with a child org and one user per role (plus a spare target user)."""

    tenant: object
    top: object
    child: object
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    target: object = None

    def client(self, role: str | None) -> ApiClient:
        """A bearer client for ``role``, or an anonymous one for ``None``."""
        return ApiClient(self.tokens[role] if role else None)


def build_world(name: str) -> World:
    tenant = tenancy.create_tenant(name)
    top = tenancy.top_org(tenant)
    child = tenancy.create_org(tenant, "Engineering")
    world = World(tenant=tenant, top=top, child=child)
    for role in ROLES:
        user = accounts.create_user(tenant, f"{role}@{name}.example", org=top, roles=[role])
        world.users[role] = user
        world.tokens[role] = accounts.create_api_token(user)[0]
    all_roles = accounts.create_user(
        tenant, f"all@{name}.example", org=top, roles=list(Role.values)
    )
    world.users["all"] = all_roles
    world.tokens["all"] = accounts.create_api_token(all_roles)[0]
    world.target = accounts.create_user(
        tenant, f"target@{name}.example", org=child, first_name="Tess", last_name="Target"
    )
    return world


@pytest.fixture
def world(db) -> World:
    return build_world("acme")


@pytest.fixture
def other(db) -> World:
    """A second tenant, which nothing in ``world`` may see or change."""
    return build_world("globex")


@pytest.fixture
def admin(world) -> ApiClient:
    """A bearer client whose user holds every role."""
    return world.client("all")


@pytest.fixture
def anon() -> ApiClient:
    return ApiClient()
