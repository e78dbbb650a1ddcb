"""A cookie that names (signed, no secret) the user a browser is signed in as, for the ACS's question.

The console session cookie is ``SameSite=Lax``: an identity provider's
cross-site POST to the ACS does not carry it, so the ACS cannot see that
the browser already holds another user's session. This marker is
``SameSite=None; Secure`` on https so that the POST carries it. It grants
nothing: the ACS only uses it to ask "you are signed in as X; continue as
Y?" (``ssoconsole.sso.account_switch``) instead of replacing the session
silently. Set at every sign-in, removed at sign-out.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

MARKER_COOKIE = "ssoc_signed_in_as"
_SALT = "ssoconsole.accounts.browser_marker"


def _https() -> bool:
    return settings.SSOCONSOLE_BASE_URL.startswith("https://")


def set_marker(response, user) -> None:
    secure = _https()
    response.set_cookie(
        MARKER_COOKIE,
        signing.dumps(str(user.id), salt=_SALT),
        max_age=settings.SSOCONSOLE_SESSION_ABSOLUTE_SECONDS,
        path="/",
        secure=secure,
        httponly=True,
        samesite="None" if secure else "Lax",
    )


def clear_marker(response) -> None:
    response.delete_cookie(MARKER_COOKIE, path="/")


def marked_user_id(request) -> str | None:
    """Return the user id the marker names, or ``None`` (absent, forged or older than a session)."""
    value = request.COOKIES.get(MARKER_COOKIE)
    if not value or len(value) > 200:
        return None
    try:
        return signing.loads(
            value, salt=_SALT, max_age=settings.SSOCONSOLE_SESSION_ABSOLUTE_SECONDS
        )
    except signing.BadSignature:
        return None
