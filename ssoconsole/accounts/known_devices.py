"""Known devices: a browser that signed in as a user before is not locked out by anybody else's guesses.

Per-username limits stop an attacker who guesses one account's password from
many addresses, but they also let anybody lock that account out on purpose.
So, after a correct password, the browser gets a signed cookie that names the
usernames it has signed in as (as keyed digests) and a random device id.
Attempts from such a browser are counted per username *and device* only; the
limits that other people's failures fill (per username, per address) do not
apply to it. A stolen cookie is worth no more than one more slow guesser
(the device keeps its own limit), and it is HttpOnly like the session.

This is the "device cookie" defence of OWASP's account lock-out guidance.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

COOKIE = "ssoconsole_device"
SALT = "ssoconsole.accounts.known-device"
MAX_AGE_SECONDS = 180 * 24 * 3600
MAX_USERNAMES = 10  # people sharing a browser; the oldest is forgotten first
MAX_COOKIE_CHARS = 1024  # an attacker-controlled input: bounded before it is verified


def _username_digest(username: str) -> str:
    return salted_hmac(SALT, username.strip().lower()).hexdigest()[:24]


def _read(request) -> dict | None:
    raw = request.COOKIES.get(COOKIE, "")
    if not raw or len(raw) > MAX_COOKIE_CHARS:
        return None
    try:
        value = signing.loads(raw, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("d"), str):
        return None
    users = value.get("u")
    return (
        {"d": value["d"], "u": [u for u in users if isinstance(u, str)]}
        if isinstance(users, list)
        else None
    )


def device_for(request, username: str) -> str | None:
    """Return this browser's device id when it signed in as ``username`` before, else None."""
    value = _read(request)
    if value is None or _username_digest(username) not in value["u"]:
        return None
    return value["d"]


def remember(response, request, username: str) -> None:
    """Mark this browser as a known device of ``username`` (after a correct password)."""
    value = _read(request) or {"d": secrets.token_urlsafe(12), "u": []}
    digest = _username_digest(username)
    users = [u for u in value["u"] if u != digest] + [digest]
    value["u"] = users[-MAX_USERNAMES:]
    response.set_cookie(
        COOKIE,
        signing.dumps(value, salt=SALT, compress=True),
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
        path="/login",
    )
