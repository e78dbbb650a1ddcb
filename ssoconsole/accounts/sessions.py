"""Console sessions: how they start, how long they last and how they end.

Every sign-in method (password, SAML) calls :func:`start_session`,
which gives the browser a new session id and fixes the session's deadline:
the earliest of the deployment's absolute limit, the tenant's
``max_session_hours`` and, for SSO, the assertion's SessionNotOnOrAfter.
:func:`enforce_timeouts` (run by ``SessionTimeoutMiddleware`` on every
request) ends sessions past that deadline or idle for too long. The
timestamps live in the session itself, so any server process can check them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY, login, logout

from ssoconsole.accounts.models import ConsoleSession
from ssoconsole.audit.log import record
from ssoconsole.core import clock

security_log = logging.getLogger("ssoconsole.security")

# Sessions of every sign-in method load their user through this backend.
SESSION_BACKEND = "ssoconsole.accounts.backends.PasswordBackend"

STARTED_AT = "ssoc.started_at"
DEADLINE = "ssoc.deadline"
LAST_SEEN = "ssoc.last_seen"
METHOD = "ssoc.method"

# Writing the session on every request would turn every page view into a
# database write; refreshing "last seen" once a minute is precise enough for
# an idle limit measured in minutes (a session may end up to a minute early).
TOUCH_INTERVAL_SECONDS = 60

IDLE = "idle"
ABSOLUTE = "absolute"


def session_deadline(user, *, now: datetime, expires_at: datetime | None = None) -> datetime:
    """Return when a session of ``user`` started at ``now`` must end at the latest."""
    limit = min(settings.SSOCONSOLE_SESSION_ABSOLUTE_SECONDS, user.tenant.max_session_hours * 3600)
    deadline = now + timedelta(seconds=limit)
    if expires_at is not None:
        deadline = min(deadline, expires_at)
    return deadline


def _ts(moment: datetime) -> float:
    return moment.timestamp()


def _dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def _refresh_expiry(session, now: datetime) -> None:
    # The stored expiry (cookie and database row) follows the idle limit, so
    # an abandoned session disappears from the browser and from the table
    # (``ssoconsole clearsessions``) without waiting for the absolute deadline.
    idle_end = now + timedelta(seconds=settings.SSOCONSOLE_SESSION_IDLE_SECONDS)
    session[LAST_SEEN] = _ts(now)
    session.set_expiry(min(idle_end, _dt(session[DEADLINE])))


def start_session(
    request,
    user,
    *,
    method: str,
    expires_at: datetime | None = None,
    audit_data: dict | None = None,
) -> None:
    """Sign ``user`` in on ``request`` with a new session id, and audit the sign-in.

    ``method`` names how the user proved who they are ("password", "saml");
    ``expires_at`` caps the session, e.g. at the assertion's SessionNotOnOrAfter.
    """
    now = clock.now()
    if expires_at is not None and expires_at <= now:
        raise ValueError("expires_at is in the past; refuse the sign-in before starting a session")
    # django.contrib.auth.login cycles the session key (or flushes the session
    # of another user), so an id planted before sign-in is worthless after it.
    login(request, user, backend=SESSION_BACKEND)
    session = request.session
    session[STARTED_AT] = _ts(now)
    session[DEADLINE] = _ts(session_deadline(user, now=now, expires_at=expires_at))
    session[METHOD] = method
    _refresh_expiry(session, now)
    record(
        "auth.signin",
        tenant=user.tenant,
        actor=user,
        target=user,
        data={
            "method": method,
            "expiresAt": _dt(session[DEADLINE]).isoformat(),
            **(audit_data or {}),
        },
        request=request,
    )


def save_now(request) -> None:
    """Write the request's session now, so that it commits with the caller's transaction.

    A sign-in that records other rows (the ACS: the consumed assertion, the
    used request, the audit event) then commits all of them together; the
    session middleware still sets the cookie and finds nothing new to write
    (``accounts.session_store``).
    """
    request.session.save()


def timeout_state(session, *, now: datetime) -> str | None:
    """Return ``"absolute"`` or ``"idle"`` when the session is over, else ``None``."""
    t = _ts(now)
    if t >= session[DEADLINE]:
        return ABSOLUTE
    if t - session.get(LAST_SEEN, session[DEADLINE]) >= settings.SSOCONSOLE_SESSION_IDLE_SECONDS:
        return IDLE
    return None


def enforce_timeouts(request) -> str | None:
    """End the request's session when it timed out and return why; keep it alive otherwise."""
    session = request.session
    if SESSION_KEY not in session:
        return None
    now = clock.now()
    if DEADLINE not in session:
        # A session that did not come through start_session (e.g. a test
        # client's force_login) gets the same limits from its first request.
        user = request.user
        if not user.is_authenticated:
            return None
        session[STARTED_AT] = _ts(now)
        session[DEADLINE] = _ts(session_deadline(user, now=now))
        session[METHOD] = session.get(METHOD, "unknown")
        _refresh_expiry(session, now)
        return None
    reason = timeout_state(session, now=now)
    if reason is not None:
        security_log.info("session ended reason=%s user=%s", reason, session.get(SESSION_KEY))
        logout(request)
        return reason
    if _ts(now) - session.get(LAST_SEEN, 0) >= TOUCH_INTERVAL_SECONDS:
        _refresh_expiry(session, now)
    return None


def sign_out(request) -> None:
    """End the request's console session (only: there is no Single Logout) and audit it."""
    user = request.user
    if user.is_authenticated:
        record("auth.signout", tenant=user.tenant, actor=user, target=user, request=request)
    logout(request)


def end_all_sessions(user) -> int:
    """Delete every console session of ``user`` at once; return how many there were."""
    deleted, _ = ConsoleSession.objects.filter(user_id=user.id).delete()
    return deleted
