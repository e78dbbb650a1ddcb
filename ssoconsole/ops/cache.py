"""The cache behind throttling: shared by every process, and never the reason sign-in stops.

Without ``REDIS_URL`` the cache is one SQLite file that all workers of one
machine share (:class:`~ssoconsole.ops.sqlite_cache.SharedSQLiteCache`), so a
limit of 5 means 5 however many workers gunicorn runs; several machines need
Redis to share their counts.

With ``REDIS_URL``, :class:`ResilientRedisCache` answers from Redis and, when
Redis cannot be reached, from per-process memory: sign-in keeps working (its
truth lives in the database; the cache only holds throttle counts), the outage
is logged once, ``/readyz`` reports it, and Redis is tried again every few
seconds.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger("ssoconsole.ops")


# Seconds between attempts to reach Redis again after it failed.
RETRY_SECONDS = 5.0


class _Outage:
    """Whether this process finds Redis down; one per process and Redis URL (Django builds a cache
    object per thread, but the outage is logged once per process and every thread skips Redis)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_since: float | None = None
        self.retry_at = 0.0


_OUTAGES: dict[str, _Outage] = {}
_OUTAGES_LOCK = threading.Lock()


def _outage_of(location: str) -> _Outage:
    with _OUTAGES_LOCK:
        return _OUTAGES.setdefault(location, _Outage())


class ResilientRedisCache(RedisCache):
    """Redis, falling back to per-process memory while Redis is unreachable."""

    def __init__(self, server, params):
        super().__init__(server, params)
        # LocMemCache shares its storage by name: every thread of the process sees the same fallback.
        self._fallback = LocMemCache(
            "ssoconsole-redis-fallback", {"TIMEOUT": params.get("TIMEOUT")}
        )
        self._outage = _outage_of(str(server))

    @property
    def degraded(self) -> bool:
        """True while Redis is considered unreachable (this process uses its own memory)."""
        return self._outage.down_since is not None

    def _failed(self, exc: Exception) -> None:
        outage = self._outage
        with outage.lock:
            outage.retry_at = time.monotonic() + RETRY_SECONDS
            if outage.down_since is None:
                outage.down_since = time.monotonic()
                log.warning(
                    "Redis is unreachable (%s); throttling uses this process's memory until it is back",
                    type(exc).__name__,
                )

    def _recovered(self) -> None:
        outage = self._outage
        if outage.down_since is None:
            return
        with outage.lock:
            if outage.down_since is not None:
                log.warning(
                    "Redis is reachable again after %.0f s; throttling is shared again",
                    time.monotonic() - outage.down_since,
                )
                outage.down_since = None

    def _call(self, name: str, *args, **kwargs):
        from redis.exceptions import ConnectionError, TimeoutError

        if self._outage.down_since is not None and time.monotonic() < self._outage.retry_at:
            return self._on_fallback(name, *args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except (ConnectionError, TimeoutError) as exc:
            self._failed(exc)
            return self._on_fallback(name, *args, **kwargs)
        self._recovered()
        return result

    def _on_fallback(self, name: str, *args, **kwargs):
        self._fallback.key_prefix = self.key_prefix  # tests give each test its own prefix
        return getattr(self._fallback, name)(*args, **kwargs)

    def ping(self) -> bool:
        """Ask Redis directly (for ``/readyz``); True when it answers."""
        from redis.exceptions import RedisError

        try:
            self._cache.get_client(write=True).ping()
        except RedisError as exc:
            self._failed(exc)
            return False
        self._recovered()
        return True

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)


def cache_state(cache) -> str:
    """Return ``ok``, ``degraded`` (Redis down, per-process fallback) or ``unreachable`` for ``/readyz``."""
    if isinstance(cache, ResilientRedisCache):
        return "ok" if cache.ping() else "degraded"
    try:
        cache.add("readyz-probe", 1, timeout=5)
    except (OSError, sqlite3.Error):
        return "unreachable"
    return "ok"
