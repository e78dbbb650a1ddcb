"""Fixtures of the sign-in tests: a tenant whose "Test" org uses a provider trusting the test IdP key."""

from __future__ import annotations

import pytest

from . import helpers


@pytest.fixture
def provider(tenant):
    """The tutorial's provider, created but (as Step 3 says) applied to no organization yet."""
    return helpers.make_provider(tenant)


@pytest.fixture
def test_org(make_org):
    return make_org("Test")


@pytest.fixture
def sso_org(test_org, provider):
    """The tutorial's test organization, using the provider (Step 5)."""
    helpers.use_provider(test_org, provider)
    return test_org


@pytest.fixture
def sso_user(make_user, sso_org):
    """A user of the SSO test org, without a password (SSO users need none)."""
    return make_user(
        "Ada.Lovelace@example.org", org=sso_org, password=None, first_name="A", last_name="L"
    )


class Browser:
    """A Django test client that walks the sign-in like a browser: /login, the IdP (simulated), the ACS."""

    def __init__(self, tenant) -> None:
        from django.test import Client

        self.tenant = tenant
        self.client = Client()

    def start(self, username: str, **params) -> dict:
        """GET /login?username=...; return the parsed AuthnRequest redirect (asserting a 302 to the IdP)."""
        response = self.client.get("/login", {"username": username, **params})
        assert response.status_code == 302, response.content[:500]
        started = helpers.parse_redirect(response["Location"])
        started["response"] = response
        return started

    def post_acs(self, saml_response, relay_state=None, tenant_id=None):
        data = {"SAMLResponse": saml_response}
        if relay_state is not None:
            data["RelayState"] = relay_state
        return self.client.post(f"/sso/{tenant_id or self.tenant.id}/acs", data)

    def me(self):
        return self.client.get("/api/v1/me")


@pytest.fixture
def browser_client(tenant) -> Browser:
    return Browser(tenant)


@pytest.fixture
def second_browser(tenant) -> Browser:
    return Browser(tenant)
