"""Fixtures of the Django tests, imported by ``tests/conftest.py`` when Django is installed.

Names at a glance:

- ``tenant``, ``top_org``, ``make_org(name, parent=None, tenant=None)``
- ``make_user(username=None, roles=("user",), org=None, password=PASSWORD, tenant=None, **fields)``
- ``identity_admin``, ``org_admin``, ``plain_user`` and ``users_by_role`` (role -> user), all with ``PASSWORD``
- ``api_token_for(user)``, ``identity_admin_token``, ``org_admin_token``, ``plain_user_token``
- ``signed_in_client(user)`` (signs in through ``/login``), ``identity_admin_client``,
  ``org_admin_client``, ``plain_user_client``; ``api_client(token)``
- ``other_tenant``, ``other_tenant_admin`` (holds every role), ``other_tenant_admin_token``
- ``clock``: the sign-in and session clock, moved with ``clock.advance(seconds=...)``
- ``isolated_cache`` (autouse): a fresh cache namespace per test
- ``app_url``: the real app served by pytest-django's ``live_server``, with the base URL set to it
- ``dns``: the loopback DNS server every domain verification asks (``dns.publish(name, *txt)``)
- ``browser`` (session) and ``page``: Debian's chromium through Playwright, for ``@pytest.mark.browser`` tests
"""

from __future__ import annotations

import itertools
import os
import uuid
from datetime import datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.cache import caches
from django.test import Client

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.roles import Role
from ssoconsole.core import clock as app_clock
from ssoconsole.tenancy import services as tenancy

PASSWORD = "correct-horse-battery-staple"
CHROMIUM = "/usr/bin/chromium"

# Production argon2 costs 100 MiB and a few hundred milliseconds per hash;
# tests hash hundreds of passwords. The algorithm stays argon2id, only cheaper.
Argon2PasswordHasher.time_cost = 1
Argon2PasswordHasher.memory_cost = 1024
Argon2PasswordHasher.parallelism = 1

# The live server's threads build their own cache objects from the settings:
# give the whole run its own key prefix, so that a Redis used by other runs never mixes
# test counts with a running deployment's or another run's.
django_settings.CACHES["default"]["KEY_PREFIX"] = f"ssoconsole-tests-{uuid.uuid4().hex[:12]}"

_names = itertools.count(1)


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_names)}-{uuid.uuid4().hex[:6]}"


@pytest.fixture(autouse=True)
def isolated_cache():
    """Give each test its own cache namespace, so throttling counts never leak between tests.

    A namespace instead of ``cache.clear()``: with Redis, clearing would flush
    the whole database, including whatever else shares it.
    """
    cache = caches["default"]
    saved = cache.key_prefix
    cache.key_prefix = f"test-{uuid.uuid4().hex}"
    yield
    cache.key_prefix = saved


@pytest.fixture
def password() -> str:
    """The password of every user the fixtures create."""
    return PASSWORD


@pytest.fixture
def tenant(db):
    return tenancy.create_tenant(_unique("Tenant "), actor_label="test")


@pytest.fixture
def top_org(tenant):
    return tenancy.top_org(tenant)


@pytest.fixture
def make_org(tenant):
    """Return a factory: ``make_org(name=None, parent=None, tenant=None)`` (default parent: the top org)."""
    default_tenant = tenant

    def make(name: str | None = None, parent=None, tenant=None):
        owner = tenant or (parent.tenant if parent is not None else default_tenant)
        return tenancy.create_org(
            owner, name or _unique("Org "), parent_id=parent.id if parent is not None else None
        )

    return make


@pytest.fixture
def make_user(tenant):
    """Return a factory for users; ``password=None`` makes a user without a password."""
    default_tenant = tenant

    def make(
        username: str | None = None,
        roles=(Role.USER,),
        org=None,
        password=PASSWORD,
        tenant=None,
        **fields,
    ):
        owner = tenant or (org.tenant if org is not None else default_tenant)
        return accounts.create_user(
            owner,
            username if username is not None else _unique("user") + "@example.test",
            org=org or tenancy.top_org(owner),
            roles=list(roles),
            password=password,
            actor_label="test",
            **fields,
        )

    return make


@pytest.fixture
def identity_admin(make_user):
    return make_user(
        _unique("identity-admin") + "@example.test", roles=[Role.IDENTITY_ADMIN], first_name="Ida"
    )


@pytest.fixture
def org_admin(make_user):
    return make_user(
        _unique("org-admin") + "@example.test", roles=[Role.ORG_ADMIN], first_name="Otto"
    )


@pytest.fixture
def plain_user(make_user):
    return make_user(_unique("user") + "@example.test", roles=[Role.USER], first_name="Una")


@pytest.fixture
def users_by_role(identity_admin, org_admin, plain_user) -> dict:
    return {Role.IDENTITY_ADMIN: identity_admin, Role.ORG_ADMIN: org_admin, Role.USER: plain_user}


@pytest.fixture
def api_token_for(db):
    """Return a factory: ``api_token_for(user)`` gives a new bearer token in clear text."""

    def make(user) -> str:
        return accounts.create_api_token(user, actor_label="test")[0]

    return make


@pytest.fixture
def identity_admin_token(api_token_for, identity_admin) -> str:
    return api_token_for(identity_admin)


@pytest.fixture
def org_admin_token(api_token_for, org_admin) -> str:
    return api_token_for(org_admin)


@pytest.fixture
def plain_user_token(api_token_for, plain_user) -> str:
    return api_token_for(plain_user)


@pytest.fixture
def api_client():
    """Return a factory: ``api_client(token)`` is a test client that sends ``Authorization: Bearer token``."""

    def make(token: str | None) -> Client:
        return Client(headers={"Authorization": f"Bearer {token}"} if token else {})

    return make


@pytest.fixture
def signed_in_client(db):
    """Return a factory: ``signed_in_client(user)`` is a test client signed in through ``/login``."""

    def make(user, password: str = PASSWORD) -> Client:
        client = Client()
        response = client.post(
            "/login", {"step": "password", "username": user.username, "password": password}
        )
        assert response.status_code == 302, (
            f"sign-in of {user.username} failed with {response.status_code}"
        )
        return client

    return make


@pytest.fixture
def identity_admin_client(signed_in_client, identity_admin) -> Client:
    return signed_in_client(identity_admin)


@pytest.fixture
def org_admin_client(signed_in_client, org_admin) -> Client:
    return signed_in_client(org_admin)


@pytest.fixture
def plain_user_client(signed_in_client, plain_user) -> Client:
    return signed_in_client(plain_user)


@pytest.fixture
def other_tenant(db):
    """A second tenant: nothing in ``tenant`` may read or change it, and the reverse."""
    return tenancy.create_tenant(_unique("Other tenant "), actor_label="test")


@pytest.fixture
def other_tenant_admin(make_user, other_tenant):
    return make_user(
        _unique("other-admin") + "@example.test", roles=list(Role.values), tenant=other_tenant
    )


@pytest.fixture
def other_tenant_admin_token(api_token_for, other_tenant_admin) -> str:
    return api_token_for(other_tenant_admin)


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Replace the clock of sign-in, sessions and throttling (``ssoconsole.core.clock``)."""
    fake = Clock(app_clock.now())
    monkeypatch.setattr(app_clock, "now", fake.now)
    return fake


@pytest.fixture(scope="session", autouse=True)
def loopback_dns_server():
    """One DNS server on loopback for the run; every domain verification of every test asks it.

    Set for the whole session so that no test's lookup can reach a DNS server off
    this machine, whichever test verifies a domain.
    """
    from loopback_dns import LoopbackDns  # tests/loopback_dns.py

    server = LoopbackDns().start()
    saved = (
        django_settings.SSOCONSOLE_DNS_NAMESERVERS,
        django_settings.SSOCONSOLE_DNS_TIMEOUT_SECONDS,
    )
    django_settings.SSOCONSOLE_DNS_NAMESERVERS = server.nameservers
    django_settings.SSOCONSOLE_DNS_TIMEOUT_SECONDS = 3.0
    yield server
    django_settings.SSOCONSOLE_DNS_NAMESERVERS, django_settings.SSOCONSOLE_DNS_TIMEOUT_SECONDS = (
        saved
    )
    server.stop()


@pytest.fixture
def dns(loopback_dns_server):
    """The loopback DNS server, with no records left over from an earlier test."""
    loopback_dns_server.clear()
    yield loopback_dns_server
    loopback_dns_server.clear()


@pytest.fixture
def app_url(live_server, settings) -> str:
    """The URL of the real app, served by pytest-django's live server, with the base URL pointing at it."""
    settings.SSOCONSOLE_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, driven by Playwright for the whole session."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, and Django
    # refuses ORM calls from such a thread unless told it is safe (it is: the
    # test is not a coroutine).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page per test (no cookies carried over)."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
