"""Throttling of repeated failures, seen by every process through Django's cache.

Used by password sign-in (per username and per client address) and, later,
by the assertion consumer service. Counting happens in the cache (Redis when
``REDIS_URL`` is set), so that several server processes enforce one limit.

The counter is a sliding window approximated from two fixed windows: the
previous window's count, weighted by how much of it still overlaps the last
``window_seconds``, plus the current window's count. Unlike a plain fixed
window, this does not let an attacker spend two windows' worth of attempts
around a window boundary. Increments use ``cache.add``/``cache.incr``, which
are atomic in Redis, so concurrent failures are all counted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from ssoconsole.accounts.errors import Throttled  # noqa: F401 - raised here, callers name it throttle.Throttled
from ssoconsole.core import clock


@dataclass(frozen=True)
class Rule:
    """At most ``limit`` failures per ``window_seconds`` for one key of ``scope``."""

    scope: str
    limit: int
    window_seconds: int
    what: str  # how the refusal names the key to the user: "for this username"
    per_address: bool = False  # the key is a client address: count IPv6 clients per /64


def address_key(address: str) -> str:
    """Return the throttling key of a client address.

    IPv4 counts per address; IPv6 per /64 prefix (one customer's network), so that
    rotating addresses inside one /64 does not start a fresh count; an IPv4-mapped
    IPv6 address (``::ffff:192.0.2.1``) counts as its IPv4 address. A value that is
    not an address is returned as it is.
    """
    value = (address or "").strip()
    try:
        ip = ipaddress.ip_address(value.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return value
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def effective(rule: Rule) -> Rule:
    """Return ``rule`` with the limit and window of ``settings.SSOCONSOLE_THROTTLE[rule.scope]``, if set.

    ``SSOCONSOLE_THROTTLE = {"signin-address": (30, 900)}`` maps a scope to
    ``(limit, window_seconds)``. It is read at every call, so tests and
    deployments may change it without restarting anything.
    """
    overrides = getattr(settings, "SSOCONSOLE_THROTTLE", None) or {}
    override = overrides.get(rule.scope)
    if not override:
        return rule
    limit, window_seconds = override
    limit, window_seconds = int(limit), int(window_seconds)
    if limit < 1 or window_seconds < 1:
        raise ValueError(
            f"SSOCONSOLE_THROTTLE[{rule.scope!r}] needs a limit and a window of at least 1"
        )
    return dataclasses.replace(rule, limit=limit, window_seconds=window_seconds)


def _digest(rule: Rule, value: str) -> str:
    if rule.per_address:
        value = address_key(value)
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _key(rule: Rule, value: str, window: int) -> str:
    # Hash the value: cache keys must stay short and free of user-chosen characters.
    return f"throttle:{rule.scope}:{_digest(rule, value)}:{window}"


def _timestamp(now: float | None) -> float:
    return clock.now().timestamp() if now is None else now


def _counts(rule: Rule, value: str, t: float) -> tuple[int, int, float]:
    """Return (previous window count, current window count, fraction of current window elapsed)."""
    window = int(t // rule.window_seconds)
    got = cache.get_many([_key(rule, value, window - 1), _key(rule, value, window)])
    previous = int(got.get(_key(rule, value, window - 1), 0))
    current = int(got.get(_key(rule, value, window), 0))
    elapsed = (t - window * rule.window_seconds) / rule.window_seconds
    return previous, current, elapsed


def retry_after(rule: Rule, value: str, *, now: float | None = None) -> int:
    """Return the seconds until ``value`` may try again, or 0 when it may try now.

    A fraction of an earlier failure counts as a whole one: the key may try
    only while the estimate stays at or below ``limit - 1``, so that even
    failures just before a window boundary keep counting just after it.
    """
    if not value:
        return 0
    rule = effective(rule)
    t = _timestamp(now)
    previous, current, elapsed = _counts(rule, value, t)
    allowed = rule.limit - 1
    if previous * (1 - elapsed) + current <= allowed:
        return 0
    if current > allowed:
        # In the next window the estimate is current * (1 - f); it is low
        # enough once f >= 1 - allowed / current.
        wait = (1 - elapsed) + (1 - allowed / current)
    else:
        wait = (1 - (allowed - current) / previous) - elapsed
    return max(1, math.ceil(wait * rule.window_seconds))


def check(rule: Rule, value: str, *, now: float | None = None) -> None:
    """Raise :class:`Throttled` when ``value`` has used up its failures for now."""
    wait = retry_after(rule, value, now=now)
    if wait:
        raise Throttled(effective(rule), wait)


def record_failure(rule: Rule, value: str, *, now: float | None = None) -> None:
    """Count one failure of ``value``."""
    if not value:
        return
    rule = effective(rule)
    t = _timestamp(now)
    key = _key(rule, value, int(t // rule.window_seconds))
    # Two windows: the current one is still read as "previous" during the next.
    if not cache.add(key, 1, timeout=2 * rule.window_seconds + 60):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=2 * rule.window_seconds + 60)


def reset(rule: Rule, value: str, *, now: float | None = None) -> None:
    """Forget the failures of ``value`` (after it proved itself, e.g. a correct password)."""
    if not value:
        return
    rule = effective(rule)
    window = int(_timestamp(now) // rule.window_seconds)
    cache.delete_many([_key(rule, value, window - 1), _key(rule, value, window)])


def first_refusal(rule: Rule, value: str, retry_after: int) -> bool:
    """Tell whether this is the first refusal of ``value`` in its throttled period (to audit it once).

    Auditing every refused request would let anyone who keeps posting grow the
    audit log without bound, which is what the throttle is there to prevent.
    """
    return cache.add(
        f"throttle-refused:{rule.scope}:{_digest(rule, value)}", 1, timeout=max(60, retry_after)
    )
