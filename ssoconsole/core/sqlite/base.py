"""Django's SQLite backend, with writers that queue instead of sleeping.

SQLite lets one connection write at a time. A connection that finds the
write lock taken retries under SQLite's busy handler, the only one Python's
``sqlite3`` module offers, which sleeps between tries for 1, 2, 5, 10, 15,
20, 25... ms. With gunicorn's workers and threads each holding a connection,
that sleeping became a sign-in's latency under load: traced for 8 s at 10
clients, the workers' threads slept 1,871 times for 2.1 ms on average while
there was work to do (docs/performance.md, "second round: what each change
bought").

So a writer here first takes an exclusive ``flock`` on a file beside the
database (``<database>-writer.lock``) and keeps it until its transaction
commits or rolls back; the kernel wakes the next writer the moment it is
released. The gate decides only who writes next: SQLite's own locks and its
busy timeout still guard every write, so a process that does not know the
gate (the ``sqlite3`` shell, an older server) stays correct and at worst
waits as before. Reads never take the gate (WAL lets them run beside a
writer). An in-memory database, which only one process can see, has no gate.

The cursor also remembers the "format" to "qmark" conversion of each query
it has run (Django redoes it with a regular expression on every execute,
about 3 % of a sign-in's CPU): the sign-in's statements are the same strings
every time.
"""

from __future__ import annotations

import fcntl
import os

from django.db.backends.sqlite3 import base as sqlite

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
_QMARK_CACHE_LIMIT = 4096


class SQLiteCursorWrapper(sqlite.SQLiteCursorWrapper):
    """Django's cursor, with a bounded memory of converted queries and the writer gate in autocommit."""

    _qmark: dict[str, str] = {}
    gate: WriterGate | None = None

    def convert_query(self, query, *, param_names=None):
        if param_names is not None:
            return super().convert_query(query, param_names=param_names)
        converted = self._qmark.get(query)
        if converted is None:
            converted = super().convert_query(query)
            # Bounded: queries with values spelled into their text would otherwise grow it forever.
            if len(self._qmark) < _QMARK_CACHE_LIMIT:
                self._qmark[query] = converted
        return converted

    def execute(self, query, params=None):
        gate = self.gate
        if gate is None or not gate.needed_for(query):
            return super().execute(query, params)
        with gate:
            return super().execute(query, params)

    def executemany(self, query, param_list):
        gate = self.gate
        if gate is None or not gate.needed_for(query):
            return super().executemany(query, param_list)
        with gate:
            return super().executemany(query, param_list)


class WriterGate:
    """One connection's handle on the database's writer lock file (``flock`` is per open file)."""

    def __init__(self, wrapper: DatabaseWrapper, path: str) -> None:
        self.wrapper = wrapper
        self.path = path
        self.fd: int | None = None
        self.pid = 0
        self.held = False

    def needed_for(self, query: str) -> bool:
        """A write statement outside a transaction (inside one, the transaction holds the gate)."""
        return (
            not self.held
            and self.wrapper.autocommit
            and query.lstrip()[:7].upper().startswith(_WRITES)
        )

    def acquire(self) -> None:
        if self.held:
            return
        if self.fd is None or self.pid != os.getpid():
            # A descriptor inherited across fork is shared with the parent: flock would not
            # tell the two apart. Each process (and each connection) opens its own.
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self.pid = os.getpid()
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.release()
        if self.fd is not None and self.pid == os.getpid():
            os.close(self.fd)
        self.fd = None

    def __enter__(self) -> WriterGate:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class DatabaseWrapper(sqlite.DatabaseWrapper):
    """SQLite with the writer gate around write transactions and autocommit writes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._gate: WriterGate | None = None

    def _writer_gate(self) -> WriterGate | None:
        if self._gate is None and not self.is_in_memory_db():
            self._gate = WriterGate(self, f"{self.settings_dict['NAME']}-writer.lock")
        return self._gate

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=SQLiteCursorWrapper)
        cursor.gate = self._writer_gate()
        return cursor

    def _start_transaction_under_autocommit(self):
        gate = self._writer_gate()
        if gate is None:
            return super()._start_transaction_under_autocommit()
        gate.acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            gate.release()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            # A failed COMMIT leaves the transaction open: Django rolls it back next, which releases.
            if self._gate is not None and (
                self.connection is None or not self.connection.in_transaction
            ):
                self._gate.release()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            if self._gate is not None:
                self._gate.release()

    def _close(self):
        try:
            return super()._close()
        finally:
            if self._gate is not None:
                self._gate.close()
