"""The one clock of the applications: every time an app reads goes through ``clock.now()``.

Code calls ``clock.now()`` through the module (``from ssoconsole.core import
clock``, never a copy of the function), so that the tests' ``clock`` fixture
moves every reader at once by replacing this one attribute instead of
sleeping. The SAML core (``ssoconsole.saml``) reads no clock: its callers
pass ``now`` in. tests/docs/test_layers.py fails on a direct
``timezone.now()`` or ``datetime.now()`` anywhere else in the apps.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return timezone.now()
