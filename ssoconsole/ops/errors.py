"""The operations package's error codes (its registry, read by ``ssoconsole.core.errors.registry``)."""

from __future__ import annotations

from ssoconsole.core.errors import DomainError

# Seconds a client is told to wait (Retry-After) when the database is unreachable.
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailable(DomainError):
    """The database could not be reached while the request was answered (it is down or restarting)."""

    code = "database_unavailable"
    status = 503
    user_message = (
        "The service cannot reach its database right now; nothing was changed. "
        f"Try again in {RETRY_AFTER_SECONDS} seconds."
    )
    admin_hint = (
        "Check that the database runs and that DATABASE_URL points at it; GET /readyz answers 200 "
        "again once it does. The console reconnects by itself."
    )
