"""The throttle cache: one count for all workers of a machine, and sign-in that survives a Redis outage."""

from __future__ import annotations

import logging
import multiprocessing
import threading

from ssoconsole.ops.cache import ResilientRedisCache, SharedFileCache, cache_state


def _count(directory: str, times: int) -> None:
    cache = SharedFileCache(directory, {})
    for _ in range(times):
        if not cache.add("failures", 1, timeout=600):
            cache.incr("failures")


def test_two_processes_counting_at_once_lose_no_count(tmp_path):
    """What two gunicorn workers do when failures arrive together: every one is counted."""
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_count, args=(str(tmp_path), 200)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    assert SharedFileCache(str(tmp_path), {}).get("failures") == 400


def test_an_increment_keeps_the_expiry(tmp_path):
    cache = SharedFileCache(str(tmp_path), {})
    cache.add("k", 1, timeout=1)
    assert cache.incr("k", 5) == 6
    assert cache.get("k") == 6


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def test_without_redis_the_cache_falls_back_per_process_and_says_so_once(caplog):
    location = f"redis://127.0.0.1:{_closed_port()}/0"
    params = {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}
    caplog.set_level(logging.WARNING, logger="ssoconsole.ops")

    def use() -> None:
        cache = ResilientRedisCache(location, params)  # Django builds one per thread
        assert cache.add("k", 1) in (True, False)
        cache.get("k")

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cache = ResilientRedisCache(location, params)
    assert cache.degraded and cache.get("k") == 1
    assert cache_state(cache) == "degraded"
    warnings = [r for r in caplog.records if "Redis is unreachable" in r.getMessage()]
    assert len(warnings) == 1
