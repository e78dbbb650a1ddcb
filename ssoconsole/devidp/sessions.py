"""The IdP session: what lets a second AuthnRequest skip the sign-in prompt.

The cookie holds a random token; the database keeps only its SHA-256, the
user and the expiry, so any server process can read it and a stolen database
does not yield usable cookies. The cookie is scoped to one directory's path.
SameSite=Lax: requests by HTTP-Redirect (top-level GET) carry it; an
HTTP-POST request from another site does not, and such a request is simply
prompted again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings

from ssoconsole.devidp import links
from ssoconsole.devidp.models import Directory, DirectoryUser, IdpSession

COOKIE_NAME = "devidp_session"
SESSION_LIFETIME = dt.timedelta(hours=8)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(directory: Directory, user: DirectoryUser, now: dt.datetime) -> tuple[str, IdpSession]:
    """Create a session for ``user`` and return the cookie token with it."""
    token = secrets.token_urlsafe(32)
    session = IdpSession.objects.create(
        token_hash=_hash(token),
        directory=directory,
        user=user,
        session_index=f"_{secrets.token_hex(16)}",
        authn_instant=now,
        expires_at=now + SESSION_LIFETIME,
    )
    return token, session


def current(request, directory: Directory, now: dt.datetime) -> IdpSession | None:
    """Return the live session of this browser in ``directory``, if any."""
    token = request.COOKIES.get(COOKIE_NAME)
    if not token or len(token) > 100:
        return None
    session = (
        IdpSession.objects.select_related("user")
        .filter(token_hash=_hash(token), directory=directory, expires_at__gt=now)
        .first()
    )
    if session is None or not session.user.account_enabled:
        return None
    return session


def end(request, directory: Directory) -> None:
    token = request.COOKIES.get(COOKIE_NAME)
    if token:
        IdpSession.objects.filter(token_hash=_hash(token), directory=directory).delete()


def set_cookie(response, directory: Directory, token: str, session: IdpSession) -> None:
    response.set_cookie(
        COOKIE_NAME,
        token,
        expires=session.expires_at,
        path=links.cookie_path(directory.id),
        httponly=True,
        samesite="Lax",
        secure=settings.SSOCONSOLE_BASE_URL.startswith("https://"),
    )


def clear_cookie(response, directory: Directory) -> None:
    response.delete_cookie(COOKIE_NAME, path=links.cookie_path(directory.id), samesite="Lax")
