"""Housekeeping of the sign-in tables, run by the scheduler of every server process, never by a request.

Expired replay-cache rows, old outstanding sign-in requests and expired
console sessions are deleted here, and whatever other apps registered
(:mod:`ssoconsole.core.housekeeping`: the agents' old hand-offs). A sign-in used to do both deletes itself, each in its own
transaction: two extra write transactions per sign-in, contending for
SQLite's single writer with the sign-ins they were meant to serve. The
deletes are idempotent and indexed, so every process may run them on its
schedule (:mod:`ssoconsole.sso.scheduler`) without coordination;
``ssoconsole purge-expired`` runs them once by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ssoconsole.accounts.models import ConsoleSession
from ssoconsole.core.housekeeping import run_registered_purges
from ssoconsole.sso import outstanding, replay


@dataclass(frozen=True)
class Purged:
    """How many rows one round deleted."""

    consumed_assertions: int
    sign_in_requests: int
    sessions: int
    # What the purges other apps registered deleted (core.housekeeping), by label.
    others: dict[str, int] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return bool(
            self.consumed_assertions
            or self.sign_in_requests
            or self.sessions
            or any(self.others.values())
        )


def purge_expired(*, now: datetime) -> Purged:
    """Delete expired replay-cache rows, requests a day past their expiry, and expired sessions."""
    sessions, _ = ConsoleSession.objects.filter(expire_date__lt=now).delete()
    return Purged(
        consumed_assertions=replay.purge_expired(now=now),
        sign_in_requests=outstanding.purge_expired(now=now),
        sessions=sessions,
        others=run_registered_purges(now=now),
    )
