"""Purges that apps register, for the scheduler of every server process to run (never a request).

The scheduler lives in the sso app (:mod:`ssoconsole.sso.scheduler`), above
apps such as agents that it may not import; each app registers its own
idempotent purge here when it loads, and the scheduler's round and
``ssoconsole purge-expired`` run them all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

_PURGES: dict[str, Callable[..., int]] = {}


def register_purge(label: str, purge: Callable[..., int]) -> None:
    """Run ``purge(now=...)`` (returning how many rows it deleted) in every housekeeping round."""
    _PURGES[label] = purge


def run_registered_purges(*, now: datetime) -> dict[str, int]:
    """Run every registered purge; return how many rows each deleted, by label."""
    return {label: purge(now=now) for label, purge in sorted(_PURGES.items())}
