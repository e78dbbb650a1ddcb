"""A substring index on some text columns of one table: FTS5 trigram on SQLite, pg_trgm on PostgreSQL.

Used by the user search (``ssoconsole.accounts.search``), the SCIM e-mail
filters and the Agents search. The index only finds **candidates**, a superset
of the rows whose columns contain a text in any letter case, and the query's
own condition (``LIKE``, ``icontains``) still decides. So results never
depend on the index; only the plan does.

- SQLite 3.34+: a contentless FTS5 table with the trigram tokenizer, kept in
  step with the table by triggers. Its rowid is the table's integer ``id``
  when it has one; otherwise a small key table maps each row's id to the FTS
  row (an implicit SQLite rowid is not stable across ``VACUUM``).
- PostgreSQL: a ``pg_trgm`` GIN index on an expression of the columns that
  the callers compare (``LIKE`` against it is served as it is). The
  extension is created by the user search index's migration when the role
  may; without it the index is not created and the queries scan, as before.
  (The user search keeps its PostgreSQL indexes itself: it has three, on
  three expressions.)

Django rebuilds a SQLite table on some schema changes, dropping its
triggers: :meth:`TrigramIndex.ensure` rebuilds what is missing, and is run
after every ``migrate`` by the apps that own an index.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

from django.db import DatabaseError, connections, transaction
from django.db.models.expressions import RawSQL

log = logging.getLogger(__name__)

SQLITE_TRIGRAM = (3, 34, 0)
MIN_SUBSTRING = 3
# Beyond this many candidates an index is no help: reading the table in its list order and
# keeping the matches finds a page sooner than sorting all the candidates.
CANDIDATES_MAX = 10_000


def phrase(word: str) -> str:
    """An FTS5 phrase that matches ``word`` as a substring (trigram tokenizer), quotes escaped."""
    return '"' + word.replace('"', '""') + '"'


def sqlite_supports_trigram(version: tuple[int, ...] = sqlite3.sqlite_version_info) -> bool:
    return tuple(version) >= SQLITE_TRIGRAM


def like_pattern(text: str) -> str:
    """``%text%`` for ``LIKE``, with the text's own ``%``, ``_`` and ``\\`` escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class TrigramIndex:
    table: str
    columns: tuple[str, ...]
    name: str  # the FTS table on SQLite, the GIN index on PostgreSQL
    integer_key: bool  # the table's ``id`` is an integer (the FTS rowid), else a key table maps it
    pg_expression: str  # what the GIN index holds, e.g. '"value"' or 'UPPER(("name"::text))'
    label: str  # what it is called in ``migrate``'s output, e.g. "user search index"
    key_column: str = "row_id"  # the key table's column holding the table's id

    # --- SQLite

    @property
    def key_table(self) -> str:
        return f"{self.name}_key"

    @property
    def triggers(self) -> tuple[str, str, str]:
        return (f"{self.name}_ai", f"{self.name}_ad", f"{self.name}_au")

    def _sqlite_objects(self) -> set[str]:
        names = {self.name, *self.triggers}
        return names if self.integer_key else {*names, self.key_table}

    def _rowid(self, row: str) -> str:
        if self.integer_key:
            return f"{row}.id"
        return f"(SELECT id FROM {self.key_table} WHERE {self.key_column} = {row}.id)"

    def _sqlite_schema(self) -> list[str]:
        cols = ", ".join(self.columns)
        new = ", ".join(f"new.{c}" for c in self.columns)
        old = ", ".join(f"old.{c}" for c in self.columns)
        insert = (
            ""
            if self.integer_key
            else f"INSERT INTO {self.key_table}({self.key_column}) VALUES (new.id);"
        ) + f"INSERT INTO {self.name}(rowid, {cols}) VALUES ({self._rowid('new')}, {new});"
        # A contentless table forgets a row by being told the values it indexed (old.*).
        delete = (
            f"INSERT INTO {self.name}({self.name}, rowid, {cols}) "
            f"VALUES ('delete', {self._rowid('old')}, {old});"
        ) + (
            ""
            if self.integer_key
            else f"DELETE FROM {self.key_table} WHERE {self.key_column} = old.id;"
        )
        changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in ("id", *self.columns))
        ai, ad, au = self.triggers
        statements = []
        if not self.integer_key:
            statements.append(
                f"CREATE TABLE IF NOT EXISTS {self.key_table} ("
                f"id INTEGER PRIMARY KEY, {self.key_column} char(32) NOT NULL UNIQUE)"
            )
        return [
            *statements,
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.name} USING fts5("
            f"{cols}, content='', tokenize='trigram')",
            *(f"DROP TRIGGER IF EXISTS {t}" for t in self.triggers),
            f"CREATE TRIGGER {ai} AFTER INSERT ON {self.table} BEGIN {insert} END",
            f"CREATE TRIGGER {ad} AFTER DELETE ON {self.table} BEGIN {delete} END",
            f"CREATE TRIGGER {au} AFTER UPDATE OF id, {cols} ON {self.table} "
            f"WHEN {changed} BEGIN {delete} {insert} END",
        ]

    def _sqlite_rebuild(self) -> list[str]:
        cols = ", ".join(self.columns)
        picked = ", ".join(f"t.{c}" for c in self.columns)
        if self.integer_key:
            return [
                f"INSERT INTO {self.name}({self.name}) VALUES ('delete-all')",
                f"INSERT INTO {self.name}(rowid, {cols}) SELECT t.id, {picked} FROM {self.table} t",
            ]
        return [
            f"INSERT INTO {self.name}({self.name}) VALUES ('delete-all')",
            f"DELETE FROM {self.key_table}",
            f"INSERT INTO {self.key_table}({self.key_column}) SELECT id FROM {self.table}",
            f"INSERT INTO {self.name}(rowid, {cols}) SELECT k.id, {picked} "
            f"FROM {self.table} t JOIN {self.key_table} k ON k.{self.key_column} = t.id",
        ]

    def candidates_sql(self) -> str:
        """SQLite: a sub-select of the ids of the rows that the FTS5 expression (``%s``) finds."""
        if self.integer_key:
            return f"SELECT rowid FROM {self.name} WHERE {self.name} MATCH %s"
        return (
            f"SELECT {self.key_table}.{self.key_column} FROM {self.name} JOIN {self.key_table} "
            f"ON {self.key_table}.id = {self.name}.rowid WHERE {self.name} MATCH %s"
        )

    # --- both

    def ensure(self, using: str = "default") -> str:
        """Create the index if it is missing (on SQLite, rebuild it if a trigger is); say what was done."""
        connection = connections[using]
        _ready.pop((using, self.name), None)
        if connection.vendor == "sqlite":
            return self._ensure_sqlite(connection)
        if connection.vendor == "postgresql":
            return self._ensure_postgresql(connection)
        return f"no substring index for this database: {self.table} is read in full"

    def _ensure_sqlite(self, connection) -> str:
        if not sqlite_supports_trigram():
            return (
                f"SQLite {sqlite3.sqlite_version} has no trigram tokenizer (3.34 or newer has): "
                f"{self.label} not built, substring searches of {self.table} read every row"
            )
        with connection.cursor() as cursor:
            if self._present_sqlite(cursor):
                return f"{self.label} in place"
            try:
                with transaction.atomic(using=connection.alias):
                    for statement in self._sqlite_schema() + self._sqlite_rebuild():
                        cursor.execute(statement)
            except DatabaseError as exc:  # FTS5 not compiled in, or no trigram tokenizer
                log.warning("%s not created (%s): substring searches scan", self.label, exc)
                return f"{self.label} not created ({exc}): substring searches of {self.table} read every row"
        return f"{self.label} built"

    def _present_sqlite(self, cursor) -> bool:
        wanted = self._sqlite_objects()
        marks = ", ".join(["%s"] * len(wanted))
        cursor.execute(f"SELECT name FROM sqlite_master WHERE name IN ({marks})", list(wanted))
        return {row[0] for row in cursor.fetchall()} == wanted

    def _ensure_postgresql(self, connection) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
            if not cursor.fetchone()[0]:
                return f"{self.label} not created: the pg_trgm extension is missing (see migrate's output)"
            cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = %s", [self.name])
            if cursor.fetchone()[0]:
                return f"{self.label} in place"
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {self.name} ON {self.table} "
                f"USING gin (({self.pg_expression}) gin_trgm_ops)"
            )
        return f"{self.label} built"

    def drop(self, using: str = "default") -> None:
        connection = connections[using]
        _ready.pop((using, self.name), None)
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                for trigger in self.triggers:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
                cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
                cursor.execute(f"DROP TABLE IF EXISTS {self.key_table}")
            elif connection.vendor == "postgresql":
                cursor.execute(f"DROP INDEX IF EXISTS {self.name}")

    def ready(self, using: str = "default") -> bool:
        """SQLite: whether the FTS table and its triggers are there (read once per process)."""
        key = (using, self.name)
        if key not in _ready:
            with connections[using].cursor() as cursor:
                _ready[key] = self._present_sqlite(cursor)
        return _ready[key]

    def candidates(self, match: str, using: str = "default") -> RawSQL | None:
        """SQLite: the ids of the rows the FTS5 expression ``match`` finds, as a sub-select.

        ``None`` when the index cannot help: not SQLite, no FTS table, or more
        than :data:`CANDIDATES_MAX` candidates (counting stops there).
        """
        connection = connections[using]
        if connection.vendor != "sqlite" or not self.ready(using):
            return None
        if too_many(using, self.candidates_sql(), [match]):
            return None
        return RawSQL(self.candidates_sql(), [match])


def too_many(using: str, subquery: str, params: list) -> bool:
    """Whether ``subquery`` returns more than :data:`CANDIDATES_MAX` rows (counting stops there)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM ({subquery} LIMIT %s) AS candidates",
            [*params, CANDIDATES_MAX + 1],
        )
        return cursor.fetchone()[0] > CANDIDATES_MAX


# Per (database alias, index name): whether the SQLite FTS table is there.
_ready: dict[tuple[str, str], bool] = {}


def rebuild_after_migrate(app_config, migration: tuple[str, str], heading: str, ensure) -> None:
    """After every ``migrate``, run ``ensure(using)`` once ``migration`` is applied; print what it did.

    Django rebuilds a SQLite table on some schema changes, dropping its
    triggers, so an index's owner puts it back after each ``migrate``
    (``ensure`` says "... in place" when nothing was missing). Before the
    migration that creates the index, or after migrating back past it, nothing
    is done.
    """
    from django.db.migrations.recorder import MigrationRecorder
    from django.db.models.signals import post_migrate

    def receiver(sender, using="default", verbosity=1, **kwargs) -> None:
        if migration not in MigrationRecorder(connections[using]).applied_migrations():
            return
        outcome = ensure(using)
        if verbosity >= 1 and not outcome.endswith("in place"):
            print(f"  {heading}: {outcome}")

    post_migrate.connect(
        receiver, sender=app_config, weak=False, dispatch_uid=f"trigram-{'.'.join(migration)}"
    )
