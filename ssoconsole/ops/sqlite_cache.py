"""The throttle cache without Redis: one SQLite file that every worker of the machine shares.

Why not files, as before: Django's file cache writes a new file (create,
write, rename) for every key it sets, and the throttles set a key for every
new address and every sign-in start; with the lock that made ``add`` and
``incr`` atomic held across that file system work, a sign-in spent about a
millisecond of CPU there, and concurrent sign-ins queued on the lock
(docs/performance.md). Here each operation is one SQL statement on a small
table: atomic by itself, so no count is lost between workers, and a few
tens of microseconds.

What is kept and what is not: the counts are disposable (a lost count lets
at most a few more attempts through), so the file is written without
``fsync`` (``synchronous=OFF``; the WAL still survives the process
crashing); expired rows are deleted every ``CULL_EVERY`` writes, and
beyond ``MAX_ENTRIES`` rows those closest to expiry go first. Writers queue
on an ``flock`` of a file beside the database rather than in SQLite's
sleeping busy handler (the reason is in :mod:`ssoconsole.core.sqlite.base`).
Integers are stored as SQLite integers so that ``incr`` is arithmetic in
the statement; anything else is pickled, as Django's own caches do (the
file is in the private data directory, 0600).
"""

from __future__ import annotations

import fcntl
import os
import pickle
import random
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

CULL_EVERY = 200
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value, expires REAL) WITHOUT ROWID"
)
_LIVE = "(expires IS NULL OR expires > ?)"
_RETURNING = sqlite3.sqlite_version_info >= (3, 35)


class _Connection:
    """One thread's connection to the cache file, with its own handle on the writers' lock file."""

    def __init__(self, path: str) -> None:
        self.pid = os.getpid()
        # Created private before SQLite opens it (SQLite gives its -wal and -shm files the same mode).
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
        self.db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        self.lock_fd = os.open(f"{path}-writer.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        with self.writing():
            self.db.execute(_SCHEMA)

    @contextmanager
    def writing(self):
        fcntl.flock(self.lock_fd, fcntl.LOCK_EX)
        try:
            yield self.db
        finally:
            fcntl.flock(self.lock_fd, fcntl.LOCK_UN)


def _encode(value):
    if type(value) is int and -(2**63) <= value < 2**63:  # what a SQLite integer holds
        return value
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def _decode(stored):
    return pickle.loads(stored) if isinstance(stored, bytes) else stored


class SharedSQLiteCache(BaseCache):
    """Django's cache API on one SQLite file (``LOCATION``), atomic across processes."""

    def __init__(self, location: str, params: dict) -> None:
        super().__init__(params)
        self.path = str(location)
        self._local = threading.local()

    def _conn(self) -> _Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.pid != os.getpid():  # a connection must not cross a fork
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = self._local.conn = _Connection(self.path)
        return conn

    def _expiry(self, timeout) -> float | None:
        return self.get_backend_timeout(timeout)

    def _wrote(self, conn: _Connection) -> None:
        if random.randrange(CULL_EVERY) == 0:
            self._cull(conn)

    def _cull(self, conn: _Connection) -> None:
        with conn.writing() as db:
            db.execute(
                "DELETE FROM cache WHERE expires IS NOT NULL AND expires <= ?", (time.time(),)
            )
            (count,) = db.execute("SELECT count(*) FROM cache").fetchone()
            if count > self._max_entries:
                excess = count - self._max_entries + count // self._cull_frequency
                db.execute(
                    "DELETE FROM cache WHERE key IN "
                    "(SELECT key FROM cache ORDER BY expires IS NULL, expires LIMIT ?)",
                    (excess,),
                )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        conn = self._conn()
        with conn.writing() as db:
            added = db.execute(
                "INSERT INTO cache (key, value, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires "
                "WHERE cache.expires IS NOT NULL AND cache.expires <= ?",
                (key, _encode(value), self._expiry(timeout), time.time()),
            ).rowcount
        self._wrote(conn)
        return added == 1

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        key = self.make_and_validate_key(key, version=version)
        conn = self._conn()
        with conn.writing() as db:
            db.execute(
                "INSERT INTO cache (key, value, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires",
                (key, _encode(value), self._expiry(timeout)),
            )
        self._wrote(conn)

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        row = (
            self._conn()
            .db.execute(f"SELECT value FROM cache WHERE key = ? AND {_LIVE}", (key, time.time()))
            .fetchone()
        )
        return default if row is None else _decode(row[0])

    def get_many(self, keys, version=None) -> dict:
        names = {self.make_and_validate_key(k, version=version): k for k in keys}
        if not names:
            return {}
        marks = ",".join("?" * len(names))
        rows = self._conn().db.execute(
            f"SELECT key, value FROM cache WHERE key IN ({marks}) AND {_LIVE}",
            (*names, time.time()),
        )
        return {names[key]: _decode(value) for key, value in rows}

    def has_key(self, key, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return (
            self._conn()
            .db.execute(f"SELECT 1 FROM cache WHERE key = ? AND {_LIVE}", (key, time.time()))
            .fetchone()
            is not None
        )

    def incr(self, key, delta=1, version=None) -> int:
        key = self.make_and_validate_key(key, version=version)
        update = (
            "UPDATE cache SET value = value + ? "
            f"WHERE key = ? AND {_LIVE} AND typeof(value) = 'integer'"
        )
        with self._conn().writing() as db:
            if _RETURNING:
                row = db.execute(f"{update} RETURNING value", (delta, key, time.time())).fetchone()
            else:  # SQLite before 3.35: the same in one write transaction
                db.execute("BEGIN IMMEDIATE")
                try:
                    db.execute(update, (delta, key, time.time()))
                    row = db.execute(
                        "SELECT value FROM cache WHERE key = ? AND changes() = 1", (key,)
                    ).fetchone()
                finally:
                    db.execute("COMMIT")
        if row is None:
            raise ValueError(f"Key '{key}' not found")
        return row[0]

    def decr(self, key, delta=1, version=None) -> int:
        return self.incr(key, -delta, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._conn().writing() as db:
            return (
                db.execute(
                    f"UPDATE cache SET expires = ? WHERE key = ? AND {_LIVE}",
                    (self._expiry(timeout), key, time.time()),
                ).rowcount
                == 1
            )

    def delete(self, key, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._conn().writing() as db:
            return db.execute("DELETE FROM cache WHERE key = ?", (key,)).rowcount == 1

    def delete_many(self, keys, version=None) -> None:
        names = [self.make_and_validate_key(k, version=version) for k in keys]
        if names:
            with self._conn().writing() as db:
                db.execute(f"DELETE FROM cache WHERE key IN ({','.join('?' * len(names))})", names)

    def clear(self) -> None:
        with self._conn().writing() as db:
            db.execute("DELETE FROM cache")

    def close(self, **kwargs) -> None:
        # Django closes caches at the end of every request; the connection is kept for the next one.
        pass
