"""Where to send a browser after sign-in: only back into this site.

The ``next`` parameter is attacker-controlled (it arrives in links), so only
same-origin relative paths are honoured; anything else, including
scheme-relative ``//host`` and backslash tricks that browsers normalise into
another host, falls back to the console's home page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme

DEFAULT_NEXT = "/console/"
MAX_LENGTH = 2000


def safe_next(value) -> str:
    """Return ``value`` when it is a same-origin path, else the console's home page."""
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return DEFAULT_NEXT
    if not value.startswith("/") or value.startswith(("//", "/\\")):
        return DEFAULT_NEXT
    if any(ord(c) < 32 or c == "\x7f" or c == "\\" for c in value):
        return DEFAULT_NEXT
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=set(), require_https=False):
        return DEFAULT_NEXT
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return DEFAULT_NEXT
    if parts.path.rstrip("/") == "/login":
        return DEFAULT_NEXT  # never loop back to the login page
    return value
