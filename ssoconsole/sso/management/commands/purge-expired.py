"""``ssoconsole purge-expired``: delete expired sign-in rows now (the servers also do it every minute).

For deployments that run no server for a while (a batch import, a
maintenance window) or want the purge on their own schedule (cron). Safe
beside running servers: the deletes are idempotent.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ssoconsole.core import clock
from ssoconsole.sso.housekeeping import purge_expired


class Command(BaseCommand):
    help = "Delete expired replay-cache rows, old sign-in requests and expired console sessions."

    def handle(self, *args, **options) -> None:
        purged = purge_expired(now=clock.now())
        others = "".join(f", {n} {label}" for label, n in purged.others.items())
        self.stdout.write(
            f"Deleted {purged.consumed_assertions} expired replay-cache row(s), "
            f"{purged.sign_in_requests} old sign-in request(s), {purged.sessions} expired "
            f"session(s){others}."
        )
