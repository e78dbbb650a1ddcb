"""Fixtures of the demo's tests: the dev IdP switched on as ``ssoconsole demo`` switches it on."""

from __future__ import annotations

import importlib

import pytest
from django.urls import clear_url_caches

import ssoconsole.urls


def _remount() -> None:
    """Rebuild the root URLconf so that it reads the current ``SSOCONSOLE_DEVIDP_ENABLED``."""
    clear_url_caches()
    importlib.reload(ssoconsole.urls)


@pytest.fixture
def demo_settings(settings, tmp_path):
    """The demo's configuration: dev IdP mounted, a data directory of the test's own (for the password files)."""
    before = settings.SSOCONSOLE_DEVIDP_ENABLED
    settings.SSOCONSOLE_DEVIDP_ENABLED = True
    settings.SSOCONSOLE_DATA_DIR = tmp_path
    _remount()
    yield settings
    settings.SSOCONSOLE_DEVIDP_ENABLED = before
    _remount()
