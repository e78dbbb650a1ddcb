"""The wall clock of sign-in, sessions and throttling, in one replaceable place.

Code in this package calls ``clock.now()`` through the module (never a copy
of the function), so that tests can move time forward by replacing this one
attribute instead of sleeping.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return timezone.now()
