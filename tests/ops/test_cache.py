"""The throttle cache: one count for all workers of a machine, and sign-in that survives a Redis outage."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sqlite3
import stat
import threading
import time

import pytest

from ssoconsole.ops.cache import ResilientRedisCache, cache_state
from ssoconsole.ops.sqlite_cache import SharedSQLiteCache


def _cache(directory) -> SharedSQLiteCache:
    return SharedSQLiteCache(f"{directory}/cache.sqlite3", {})


def _count(directory: str, times: int) -> None:
    cache = _cache(directory)
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
    assert _cache(tmp_path).get("failures") == 400


def test_an_increment_keeps_the_expiry(tmp_path, monkeypatch):
    cache = _cache(tmp_path)
    cache.add("k", 1, timeout=60)
    assert cache.incr("k", 5) == 6
    assert cache.get("k") == 6
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert cache.get("k") is None
    with pytest.raises(ValueError):
        cache.incr("k")


def test_add_writes_only_a_missing_or_expired_key(tmp_path, monkeypatch):
    cache = _cache(tmp_path)
    assert cache.add("k", "first", timeout=10)
    assert not cache.add("k", "second", timeout=10)
    assert cache.get("k") == "first"
    later = time.time() + 11
    monkeypatch.setattr(time, "time", lambda: later)
    assert cache.add("k", "third", timeout=10)
    assert cache.get("k") == "third"


def test_values_of_any_picklable_type_come_back_as_they_were_stored(tmp_path):
    cache = _cache(tmp_path)
    values = {
        "int": 7,
        "big": 2**62,
        "huge": 2**70,  # beyond a SQLite integer: stored pickled
        "str": "ünï",
        "tuple": (1, "a"),
        "none": None,
        "float": 1.5,
        "bytes": b"\x00\x01",
    }
    for key, value in values.items():
        cache.set(key, value, timeout=60)
    assert cache.get_many(list(values) + ["missing"]) == values
    assert cache.get("missing", "default") == "default"
    with pytest.raises(ValueError):
        cache.incr("str")  # only integers count


def test_touch_delete_and_decrement(tmp_path, monkeypatch):
    cache = _cache(tmp_path)
    cache.set("k", 10, timeout=5)
    assert cache.touch("k", timeout=100)
    assert cache.decr("k", 3) == 7
    later = time.time() + 50
    monkeypatch.setattr(time, "time", lambda: later)
    assert cache.has_key("k")
    assert cache.delete("k") and not cache.delete("k")
    cache.set_many({"a": 1, "b": 2}, timeout=60)
    cache.delete_many(["a", "b"])
    assert cache.get_many(["a", "b"]) == {}
    assert not cache.touch("a")


def test_the_file_stays_bounded_expired_rows_first(tmp_path, monkeypatch):
    cache = SharedSQLiteCache(f"{tmp_path}/cache.sqlite3", {"OPTIONS": {"MAX_ENTRIES": 50}})
    monkeypatch.setattr("ssoconsole.ops.sqlite_cache.CULL_EVERY", 1)  # cull on every write
    cache.set("forever", "kept", timeout=None)
    for n in range(40):
        cache.set(f"short{n}", n, timeout=1)
    later = time.time() + 2
    monkeypatch.setattr(time, "time", lambda: later)
    for n in range(45):
        cache.set(f"long{n}", n, timeout=600)
    stored = sqlite3.connect(f"{tmp_path}/cache.sqlite3").execute("SELECT count(*) FROM cache")
    assert stored.fetchone()[0] <= 50
    assert cache.get("forever") == "kept" and cache.get("long44") == 44


def test_the_cache_file_is_private(tmp_path):
    _cache(tmp_path).set("k", 1)
    assert stat.S_IMODE(os.stat(tmp_path / "cache.sqlite3").st_mode) == 0o600


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
