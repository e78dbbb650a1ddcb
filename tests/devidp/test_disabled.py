"""Without SSOCONSOLE_DEVIDP the dev IdP does not exist: not installed, every /devidp/ URL a 404, no table read.

The production settings are loaded in fresh processes (``load_settings``); this
process runs ``tests/testing_settings.py``, which installs the app for the tests
that switch it on. ``tests/cli/test_devidp_installed_only_when_enabled.py`` runs
``ssoconsole migrate`` and ``ssoconsole demo`` as users do.
"""

from __future__ import annotations

import uuid

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from test_settings import load_settings

from ssoconsole.config import read_environment

pytestmark = pytest.mark.django_db

TENANT = uuid.uuid4()
PATHS = [
    "/devidp/",
    "/devidp/admin/signin",
    f"/devidp/{TENANT}/saml2",
    f"/devidp/{TENANT}/saml2/signin",
    f"/devidp/{TENANT}/myapps",
    f"/devidp/{TENANT}/federationmetadata/2007-06/federationmetadata.xml?appid={uuid.uuid4()}",
    f"/devidp/portal/{TENANT}/apps",
]


def test_production_environment_leaves_it_disabled():
    """The default environment (no SSOCONSOLE_DEVIDP) disables it; only an explicit truthy value enables it."""
    assert read_environment({}).devidp_enabled is False
    assert read_environment({"SSOCONSOLE_DEVIDP": "0"}).devidp_enabled is False
    assert read_environment({"SSOCONSOLE_DEVIDP": "1"}).devidp_enabled is True


def test_production_settings_do_not_install_it(tmp_path):
    """No SSOCONSOLE_DEVIDP: no models, no migrations, no tables, no metadata source, no management command."""
    assert (
        "ssoconsole.devidp"
        not in load_settings(tmp_path, extra_keys=("INSTALLED_APPS",))["INSTALLED_APPS"]
    )


def test_enabling_it_installs_it(tmp_path):
    loaded = load_settings(tmp_path, extra_keys=("INSTALLED_APPS",), SSOCONSOLE_DEVIDP="1")
    assert loaded["INSTALLED_APPS"][-1] == "ssoconsole.devidp"


def test_the_tests_install_it_without_mounting_it(settings):
    """tests/testing_settings.py: installed for its tables, off until a fixture switches it on."""
    assert apps.is_installed("ssoconsole.devidp") and settings.SSOCONSOLE_DEVIDP_ENABLED is False


@pytest.mark.parametrize("path", PATHS)
def test_every_devidp_url_is_absent(client, devidp_disabled, path):
    with CaptureQueriesContext(connection) as queries:
        get = client.get(path)
        post = client.post(path, {"SAMLRequest": "x", "password": "x"})
    assert get.status_code == 404
    assert post.status_code in (403, 404)  # CSRF may answer first; it never reaches a view
    assert not [q["sql"] for q in queries.captured_queries if "devidp" in q["sql"]]


def test_urls_are_not_mounted(devidp_disabled):
    with pytest.raises(NoReverseMatch):
        reverse("devidp:home")


def test_views_refuse_even_if_mounted_while_disabled(client, devidp_enabled, settings):
    """Second gate: a view checks the setting at request time, so a mounting mistake alone exposes nothing."""
    settings.SSOCONSOLE_DEVIDP_ENABLED = False
    with CaptureQueriesContext(connection) as queries:
        for path in PATHS:
            assert client.get(path).status_code == 404, path
    assert not [q["sql"] for q in queries.captured_queries if "devidp" in q["sql"]]
