"""SQLite writers queue on a lock file beside the database; readers and in-memory databases do not."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from django.db.utils import ConnectionHandler

from ssoconsole.core.sqlite.base import _QMARK_CACHE_LIMIT, SQLiteCursorWrapper


def _wrapper(name: str):
    handler = ConnectionHandler({"default": {"ENGINE": "ssoconsole.core.sqlite", "NAME": name}})
    return handler["default"]


def _begin(wrapper) -> None:
    # What transaction.atomic does on entry (for SQLite: BEGIN under autocommit).
    wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def _end(wrapper, *, commit: bool) -> None:
    wrapper.commit() if commit else wrapper.rollback()
    wrapper.set_autocommit(True)


def _gate_taken(lock_path: str) -> bool:
    """Whether another open file (another process, another connection) would have to wait."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker):
    # These tests open their own SQLite files, not the test database.
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def database(tmp_path):
    path = str(tmp_path / "gate.sqlite3")
    wrapper = _wrapper(path)
    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)")
    yield path, wrapper
    wrapper.close()


def test_a_write_transaction_holds_the_gate_until_it_commits(database):
    path, wrapper = database
    lock = f"{path}-writer.lock"
    _begin(wrapper)
    with wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO item (name) VALUES (%s)", ["a"])
    assert _gate_taken(lock)
    _end(wrapper, commit=True)
    assert not _gate_taken(lock)


def test_a_rolled_back_transaction_releases_the_gate(database):
    path, wrapper = database
    _begin(wrapper)
    assert _gate_taken(f"{path}-writer.lock")
    _end(wrapper, commit=False)
    assert not _gate_taken(f"{path}-writer.lock")
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM item")
        assert cursor.fetchone() == (0,)


def test_closing_a_connection_inside_a_transaction_releases_the_gate(database):
    path, wrapper = database
    _begin(wrapper)
    wrapper.close()
    assert not _gate_taken(f"{path}-writer.lock")


def test_a_second_writer_waits_for_the_first_to_commit_and_then_writes(database):
    path, first = database
    order: list[str] = []
    _begin(first)
    with first.cursor() as cursor:
        cursor.execute("INSERT INTO item (name) VALUES (%s)", ["first"])

    def write_second() -> None:
        second = _wrapper(path)  # a connection of its own thread, as in a server
        with second.cursor() as cursor:  # autocommit write: takes the gate for the statement
            cursor.execute("INSERT INTO item (name) VALUES (%s)", ["second"])
        order.append("second wrote")
        second.close()

    thread = threading.Thread(target=write_second)
    thread.start()
    time.sleep(0.2)
    assert order == []  # queued behind the open transaction
    order.append("first commits")
    _end(first, commit=True)
    thread.join(timeout=10)
    assert order == ["first commits", "second wrote"]
    with first.cursor() as cursor:
        cursor.execute("SELECT name FROM item ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == ["first", "second"]


def test_reads_do_not_wait_for_a_writer(database):
    path, writer = database
    reader = _wrapper(path)
    _begin(writer)
    with writer.cursor() as cursor:
        cursor.execute("INSERT INTO item (name) VALUES (%s)", ["pending"])
    started = time.monotonic()
    with reader.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM item")
        assert cursor.fetchone() == (0,)  # WAL: the reader sees the last commit, at once
    assert time.monotonic() - started < 5
    _end(writer, commit=True)
    reader.close()


def test_an_in_memory_database_has_no_gate(tmp_path):
    wrapper = _wrapper(":memory:")
    _begin(wrapper)
    _end(wrapper, commit=True)
    assert wrapper._writer_gate() is None
    assert list(tmp_path.iterdir()) == []


def test_the_query_conversion_is_remembered_up_to_a_bound(monkeypatch):
    monkeypatch.setattr(SQLiteCursorWrapper, "_qmark", {})
    cursor = SQLiteCursorWrapper.__new__(SQLiteCursorWrapper)
    assert cursor.convert_query("SELECT %s, '%%' FROM t") == "SELECT ?, '%' FROM t"
    assert SQLiteCursorWrapper._qmark == {"SELECT %s, '%%' FROM t": "SELECT ?, '%' FROM t"}
    for n in range(_QMARK_CACHE_LIMIT + 10):
        assert cursor.convert_query(f"SELECT {n}, %s") == f"SELECT {n}, ?"
    assert len(SQLiteCursorWrapper._qmark) == _QMARK_CACHE_LIMIT
