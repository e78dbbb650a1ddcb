"""Throttling, shared by every process through Django's cache: failure counts and token buckets.

Two kinds of limit, each chosen for what it protects:

* a :class:`Rule` counts *failures* of one key (a username, a username from
  one address, a device) in a sliding window; password guessing is stopped
  by these;
* a :class:`Bucket` is a *rate* (token bucket): a burst, then a steady refill.
  Single sign-on starts and agent starts use buckets per address, so that an
  office of thousands behind one NAT address all get through at a steady pace
  while a script cannot loop; nobody is locked out for a quarter of an hour by
  other people's requests.

Counting happens in the cache (Redis when ``REDIS_URL`` is set, otherwise a
file cache shared by the workers of the machine: :mod:`ssoconsole.ops.cache`).
Every limit can be overridden per deployment by an environment variable named
after its scope (``SSOCONSOLE_LIMIT_SIGNIN_USERNAME=20/900``; README lists them).

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
from ssoconsole.core import clock, counters

# Every rule and bucket by scope, so that an override naming no rule is caught at start-up.
REGISTRY: dict[str, Rule | Bucket] = {}


@dataclass(frozen=True)
class Rule:
    """At most ``limit`` failures per ``window_seconds`` for one key of ``scope``."""

    scope: str
    limit: int
    window_seconds: int
    what: str  # how the refusal names the key to the user: "for this username"
    per_address: bool = False  # the key is a client address: count IPv6 clients per /64
    noun: str = "failed attempts"

    def __post_init__(self) -> None:
        REGISTRY.setdefault(self.scope, self)


@dataclass(frozen=True)
class Bucket:
    """A rate: ``count`` requests per ``seconds`` for one key of ``scope``, after a burst of ``burst``."""

    scope: str
    count: int
    seconds: int
    burst: int
    what: str
    per_address: bool = False
    noun: str = "requests"

    def __post_init__(self) -> None:
        REGISTRY.setdefault(self.scope, self)

    @property
    def interval_ms(self) -> int:
        """Milliseconds for one token to come back."""
        return max(1, round(self.seconds * 1000 / self.count))


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


def effective(rule):
    """Return ``rule`` (a Rule or Bucket) with the numbers of ``settings.SSOCONSOLE_THROTTLE[rule.scope]``, if set.

    ``SSOCONSOLE_THROTTLE`` maps a scope to ``(limit, window_seconds)`` for a
    rule and ``(count, seconds[, burst])`` for a bucket; settings fill it from
    the ``SSOCONSOLE_LIMIT_*`` variables. It is read at every call, so tests
    may change it without restarting anything.
    """
    overrides = getattr(settings, "SSOCONSOLE_THROTTLE", None) or {}
    override = overrides.get(rule.scope)
    if not override:
        return rule
    numbers = [int(n) for n in override]
    if len(numbers) not in (2, 3) or min(numbers) < 1:
        raise ValueError(
            f"SSOCONSOLE_THROTTLE[{rule.scope!r}] needs two or three numbers of at least 1, not {override!r}"
        )
    if isinstance(rule, Bucket):
        count, seconds = numbers[:2]
        burst = numbers[2] if len(numbers) == 3 else rule.burst
        return dataclasses.replace(rule, count=count, seconds=seconds, burst=burst)
    return dataclasses.replace(rule, limit=numbers[0], window_seconds=numbers[1])


def unknown_overrides() -> list[str]:
    """Return the overridden scopes that name no rule or bucket (a typo in a ``SSOCONSOLE_LIMIT_*`` name)."""
    overrides = getattr(settings, "SSOCONSOLE_THROTTLE", None) or {}
    return sorted(scope for scope in overrides if scope not in REGISTRY)


def _digest(rule, value: str) -> str:
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
        record_decision(rule.scope, "refused")
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


def first_refusal(rule, value: str, retry_after: int) -> bool:
    """Tell whether this is the first refusal of ``value`` in its throttled period (to audit it once).

    Auditing every refused request would let anyone who keeps posting grow the
    audit log without bound, which is what the throttle is there to prevent.
    """
    return cache.add(
        f"throttle-refused:{rule.scope}:{_digest(rule, value)}", 1, timeout=max(60, retry_after)
    )


# Token buckets, as the generic cell rate algorithm: the cache holds one number per key, the "theoretical
# arrival time" (TAT, in milliseconds) at which the bucket is full again. Each request moves it one interval
# later; a request is refused while the TAT lies more than burst - 1 intervals ahead. Moving it is an atomic
# ``incr``, so concurrent processes never lose a request; only restarting an idle key is a plain ``set``.


def _bucket_key(bucket: Bucket, value: str) -> str:
    return f"bucket:{bucket.scope}:{_digest(bucket, value)}"


def _now_ms(now: float | None) -> int:
    return int(_timestamp(now) * 1000)


# How far past a full bucket the TAT may lie before it is taken for a clock that moved back. Requests
# racing for the last token push it a few intervals past (take() gives those back at once): a minute is
# far beyond any race (one interval per concurrent request). It must stay short, because a clock set
# back by more than a full bucket and less than this margin refuses everyone behind the address until
# the clock catches up again (an hour here once turned a 5-minute NTP correction into a 4-minute
# lock-out of a whole office).
CLOCK_BACK_MARGIN_MS = 60 * 1000


def _clock_went_back(bucket: Bucket, tat: int, now_ms: int) -> bool:
    """A TAT much further ahead than a full bucket cannot come from requests (spend stops there): the
    clock moved back (a corrected system clock, a test). The bucket then counts as full again."""
    return tat - now_ms > bucket.burst * bucket.interval_ms + CLOCK_BACK_MARGIN_MS


def _wait_seconds(bucket: Bucket, tat: int | None, now_ms: int) -> int:
    """Seconds until ``bucket`` has a token again, or 0 when it has one now."""
    if tat is None or _clock_went_back(bucket, tat, now_ms):
        return 0
    excess = tat - now_ms + bucket.interval_ms - bucket.burst * bucket.interval_ms
    return 0 if excess <= 0 else max(1, math.ceil(excess / 1000))


def check_bucket(bucket: Bucket, value: str, *, now: float | None = None) -> None:
    """Raise :class:`Throttled` when ``value`` has no token left in ``bucket`` (takes none)."""
    if not value:
        return
    bucket = effective(bucket)
    wait = _wait_seconds(bucket, cache.get(_bucket_key(bucket, value)), _now_ms(now))
    if wait:
        record_decision(bucket.scope, "refused")
        raise Throttled(bucket, wait)


def spend(bucket: Bucket, value: str, *, now: float | None = None) -> int:
    """Take one token of ``value`` from ``bucket`` (never raises); return the new TAT in milliseconds."""
    return _spend(bucket, value, now)[0] if value else 0


def _spend(bucket: Bucket, value: str, now: float | None) -> tuple[int, bool]:
    """Return the new TAT and whether this call moved it by one interval with ``incr``."""
    bucket = effective(bucket)
    key, now_ms = _bucket_key(bucket, value), _now_ms(now)
    timeout = math.ceil(bucket.burst * bucket.interval_ms / 1000) + 60
    tat = cache.get(key)
    if tat is not None and _clock_went_back(bucket, tat, now_ms):
        tat = now_ms - 1  # start again from a full bucket
    if tat is None or tat < now_ms:
        # A full bucket: start from now. Two requests racing here may both write the same value,
        # which loses a token while the bucket is full; once it drains, every step is an incr.
        fresh = now_ms + bucket.interval_ms
        if tat is None and cache.add(key, fresh, timeout=timeout):
            return fresh, False
        if tat is not None:
            cache.set(key, fresh, timeout=timeout)
            return fresh, False
    if tat is not None and tat - now_ms > bucket.burst * bucket.interval_ms:
        return tat, False  # already empty: do not push the refill further out than one full bucket
    try:
        new = cache.incr(key, bucket.interval_ms)
    except ValueError:  # expired between get and incr
        cache.add(key, now_ms + bucket.interval_ms, timeout=timeout)
        return now_ms + bucket.interval_ms, False
    cache.touch(key, timeout=timeout)
    return new, True


def take(bucket: Bucket, value: str, *, now: float | None = None) -> None:
    """Take one token of ``value`` from ``bucket``, or raise :class:`Throttled` when there is none."""
    if not value:
        return
    check_bucket(bucket, value, now=now)
    effective_bucket = effective(bucket)
    now_ms = _now_ms(now)
    tat, moved = _spend(bucket, value, now)
    if tat - now_ms > effective_bucket.burst * effective_bucket.interval_ms:
        # Concurrent requests took the last token between the check and the spend: this one is
        # refused, and gives back the interval it added, so racing requests never push the refill out.
        if moved:
            try:
                cache.decr(_bucket_key(effective_bucket, value), effective_bucket.interval_ms)
            except ValueError:
                pass  # expired meanwhile: nothing to give back
        record_decision(bucket.scope, "refused")
        raise Throttled(effective_bucket, _wait_seconds(effective_bucket, tat, now_ms) or 1)
    record_decision(bucket.scope, "allowed")


def record_decision(scope: str, decision: str) -> None:
    """Count a throttle decision for ``/metrics`` (ssoconsole_throttle_decisions_total)."""
    counters.THROTTLE_DECISIONS.labels(scope=scope, decision=decision).inc()
