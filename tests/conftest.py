"""Shared test set-up: Django only when it is installed, plus fixtures for every app's tests.

``tests/saml`` also runs in an environment without Django (the SAML core must
not need it); there, everything but ``tests/saml`` is left out of collection
and nothing below the guard runs.

With Django, the data directory defaults to a fresh temporary directory, set
before the settings are read (this is why pyproject.toml does not name the
settings module: pytest-django would read the settings before this file
runs), so that tests never write the checkout's ``./var``. The settings are
``tests/testing_settings.py``: production's, with the development identity
provider installed but not mounted.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

try:
    import django  # noqa: F401
except ImportError:  # the SAML core's environment
    _here = Path(__file__).parent
    collect_ignore = [
        str(p) for p in _here.iterdir() if p.name not in {"saml", "conftest.py", "__pycache__"}
    ]
else:
    os.environ.setdefault("SSOCONSOLE_DATA_DIR", tempfile.mkdtemp(prefix="ssoconsole-tests-"))
    # whitenoise warns about a missing STATIC_ROOT; the files come from the apps.
    (Path(os.environ["SSOCONSOLE_DATA_DIR"]) / "static").mkdir(parents=True, exist_ok=True)
    # The production settings plus the development identity provider's app (not mounted): its
    # tables exist in the test database for the tests that switch it on (tests/testing_settings.py).
    os.environ["DJANGO_SETTINGS_MODULE"] = "testing_settings"
    django.setup()  # pytest-django then only blocks database access outside django_db tests

    from django.conf import settings as _settings

    if _settings.SETTINGS_MODULE != "testing_settings":
        # pytest-django read a DJANGO_SETTINGS_MODULE from the shell before this file ran.
        raise pytest.UsageError(
            f"the tests ran with DJANGO_SETTINGS_MODULE={_settings.SETTINGS_MODULE}; unset it: the tests "
            "choose their own settings (tests/testing_settings.py) after making a temporary data directory."
        )

    from django_fixtures import *  # noqa: E402,F403 - tests/django_fixtures.py
