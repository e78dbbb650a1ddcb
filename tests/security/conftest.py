"""Fixtures of the attacks on the live server: a tenant with an SSO org trusting the test IdP key."""

from __future__ import annotations

import pytest

from .live import Browser, signin_helpers


@pytest.fixture
def provider(tenant):
    return signin_helpers.make_provider(tenant)


@pytest.fixture
def sso_org(make_org, provider):
    org = make_org("SSO")
    signin_helpers.use_provider(org, provider)
    return org


@pytest.fixture
def visitor(app_url) -> Browser:
    """One person's browser (a cookie jar) against the live app."""
    return Browser(app_url)


@pytest.fixture
def new_visitor(app_url):
    """Return a factory of fresh browsers (separate cookie jars)."""
    return lambda: Browser(app_url)
