"""After every ``migrate``, each substring index whose objects went missing is put back, and said so.

Django rebuilds a SQLite table on some schema changes and drops its triggers
with it; the apps that own an index (user search, SCIM e-mails, Agents) hang
one shared ``post_migrate`` receiver (``core.trigram.rebuild_after_migrate``).
"""

from __future__ import annotations

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection

from ssoconsole.accounts import search as user_search
from ssoconsole.agents.search import AGENT_INDEX
from ssoconsole.scim.email_search import EMAIL_INDEX

pytestmark = pytest.mark.django_db


def _migrated(capsys) -> str:
    if connection.vendor == "postgresql":
        # CREATE INDEX refuses to run past the test transaction's deferred foreign-key checks.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    capsys.readouterr()
    emit_post_migrate_signal(verbosity=1, interactive=False, db="default")
    return capsys.readouterr().out


def test_every_missing_substring_index_is_rebuilt_after_migrate_and_named(capsys):
    user_search.drop_user_search_index()
    EMAIL_INDEX.drop()
    AGENT_INDEX.drop()

    out = _migrated(capsys)

    assert "User search: user search index built" in out
    assert "Agent search: agent search index built" in out
    assert "SCIM e-mail filters: e-mail search index built" in out
    if connection.vendor == "sqlite":
        assert AGENT_INDEX.ready() and EMAIL_INDEX.ready() and user_search.USER_INDEX.ready()


def test_indexes_in_place_are_left_alone_and_not_mentioned(capsys):
    _migrated(capsys)  # whatever an earlier test left, in place from here on

    assert _migrated(capsys) == ""
