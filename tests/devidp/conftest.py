"""Fixtures of the dev IdP's tests: the IdP switched on, a directory, users and a configured app."""

from __future__ import annotations

import importlib

import pytest
from django.test import Client
from django.urls import clear_url_caches

import ssoconsole.urls
from devidp.saml_client import SP_ACS, SP_ENTITY_ID, SP_SIGN_ON
from ssoconsole.devidp import services

BASE_URL = "http://idp.example.test"
USER_PASSWORD = "devidp-test-password"


def _remount() -> None:
    """Rebuild the root URLconf so that it reads the current ``SSOCONSOLE_DEVIDP_ENABLED``."""
    clear_url_caches()
    importlib.reload(ssoconsole.urls)


@pytest.fixture
def devidp_enabled(settings, tmp_path):
    """Mount the dev IdP as ``SSOCONSOLE_DEVIDP=1`` would, with a base URL unlike the test client's Host."""
    before = settings.SSOCONSOLE_DEVIDP_ENABLED
    settings.SSOCONSOLE_DEVIDP_ENABLED = True
    settings.SSOCONSOLE_BASE_URL = BASE_URL
    settings.SSOCONSOLE_DATA_DIR = tmp_path
    _remount()
    yield
    settings.SSOCONSOLE_DEVIDP_ENABLED = before
    _remount()


@pytest.fixture
def devidp_disabled(settings):
    """The production configuration: the dev IdP is not mounted."""
    before = settings.SSOCONSOLE_DEVIDP_ENABLED
    settings.SSOCONSOLE_DEVIDP_ENABLED = False
    _remount()
    yield
    settings.SSOCONSOLE_DEVIDP_ENABLED = before
    _remount()


@pytest.fixture
def directory(db, devidp_enabled):
    return services.create_directory("Contoso Dev")


@pytest.fixture
def alice(directory):
    return services.create_user(directory, "alice@contoso.example", "Alice", "Adams", USER_PASSWORD)


@pytest.fixture
def bob(directory):
    return services.create_user(
        directory,
        "bob@contoso.example",
        "Bob",
        "Brown",
        USER_PASSWORD,
        mail="bob.brown@mail.example",
    )


@pytest.fixture
def app(directory, alice):
    """The tutorial's app: configured, assignment not required (Step 2.6), Alice assigned."""
    app = services.create_app(
        directory,
        "ssoconsole",
        identifier=SP_ENTITY_ID,
        reply_urls=[SP_ACS, "https://sp.example.test/other/acs"],
        sign_on_url=SP_SIGN_ON,
        assignment_required=False,
    )
    services.assign(app, alice)
    return app


@pytest.fixture
def admin_client(devidp_enabled, db):
    """A browser signed in to the dev IdP's admin pages with its admin password."""
    from ssoconsole.devidp.access import admin_password

    client = Client()
    response = client.post(
        "/devidp/admin/signin", {"password": admin_password(), "next": "/devidp/"}
    )
    assert response.status_code == 302
    return client
