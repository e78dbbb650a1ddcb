"""Housekeeping of the sign-in tables, run by the scheduler of every server process, never by a request.

Expired replay-cache rows, old outstanding sign-in requests and expired
console sessions are deleted here. A sign-in used to do both deletes itself, each in its own
transaction: two extra write transactions per sign-in, contending for
SQLite's single writer with the sign-ins they were meant to serve. The
deletes are idempotent and indexed, so every process may run them on its
schedule (:mod:`ssoconsole.sso.scheduler`) without coordination;
``ssoconsole purge-expired`` runs them once by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ssoconsole.accounts.models import ConsoleSession
from ssoconsole.sso import outstanding, replay


@dataclass(frozen=True)
class Purged:
    """How many rows one round deleted."""

    consumed_assertions: int
    sign_in_requests: int
    sessions: int


def purge_expired(*, now: datetime) -> Purged:
    """Delete expired replay-cache rows, requests a day past their expiry, and expired sessions."""
    sessions, _ = ConsoleSession.objects.filter(expire_date__lt=now).delete()
    return Purged(
        consumed_assertions=replay.purge_expired(now=now),
        sign_in_requests=outstanding.purge_expired(now=now),
        sessions=sessions,
    )
