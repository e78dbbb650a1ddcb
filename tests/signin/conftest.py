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
    return make_user("Ada.Lovelace@example.org", org=sso_org, password=None, first_name="A", last_name="L")
