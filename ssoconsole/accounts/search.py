"""User search by part of the username, names or email, served by an index on both databases.

The rule (docs/admin-guide.md "Finding users", the API's ``q``): a search
text of 3 or more characters finds the users whose username, first name,
last name or email contains it, in any letter case; a shorter one (1 or 2
characters, where "contains" would match most of a big tenant and no
substring index helps) finds the users whose username *begins* with it.

The condition itself is Django's ``icontains`` / ``istartswith``, exactly
as before; what is added is what lets the database find the candidates
without reading every user (2.3 s at 1,000,000 users):

- PostgreSQL: a ``pg_trgm`` GIN index on ``UPPER()`` of the four fields
  joined by spaces; each word of 3+ characters is also matched against that
  expression (a superset: a match in one field is a match in the four
  together), which the index serves, and the ``icontains`` conditions
  decide. A second one on ``UPPER(username)``, the expression
  ``istartswith`` compares, serves the short searches.
  ``pg_trgm`` is a trusted extension: the migration creates it when the
  role may; when it cannot (the extension not installed, no privilege) the
  search still works, by a scan, and ``ssoconsole migrate`` says so.
- SQLite (3.34 or newer, the first with FTS5's trigram tokenizer): a
  contentless FTS5 table ``accounts_user_search`` of the four fields, kept
  in step with ``accounts_user`` by triggers, and a small key table that
  maps each user's id to the FTS row (``accounts_user`` has no integer key
  of its own to share). Every word of 3+ characters must match the FTS
  table (a superset: the trigram tokenizer folds case a little wider than
  ``LIKE``); the ``icontains`` conditions then decide. Short searches walk
  the unique ``LOWER(username)`` index over the prefix's range.

Django rebuilds a SQLite table on some schema changes (``ALTER TABLE`` is
limited there), which drops its triggers: :func:`ensure_user_search_index`
runs after every ``migrate`` and rebuilds the index when its triggers are
missing, so a future migration of the user table cannot leave it stale.
"""

from __future__ import annotations

import logging
import sqlite3

from django.db import DatabaseError, connections, transaction
from django.db.models import BooleanField, F, Func, Q, QuerySet, UUIDField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, Lower

from ssoconsole.accounts.models import User

log = logging.getLogger(__name__)

# Shorter words cannot be served by a trigram index; a shorter whole search is a username prefix.
MIN_SUBSTRING = 3
FIELDS = ("username", "first_name", "last_name", "email")

# --- SQLite: FTS5 with the trigram tokenizer (SQLite 3.34+)

FTS_TABLE = "accounts_user_search"
KEY_TABLE = "accounts_user_search_key"
TRIGGERS = ("accounts_user_search_ai", "accounts_user_search_ad", "accounts_user_search_au")
SQLITE_TRIGRAM = (3, 34, 0)

_FTS_INSERT = f"""
    INSERT INTO {KEY_TABLE}(user_id) VALUES (new.id);
    INSERT INTO {FTS_TABLE}(rowid, username, first_name, last_name, email)
    VALUES ((SELECT id FROM {KEY_TABLE} WHERE user_id = new.id),
            new.username, new.first_name, new.last_name, new.email);
"""
# A contentless table forgets a row by being told the values it indexed (the trigger's old.*).
_FTS_DELETE = f"""
    INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, username, first_name, last_name, email)
    VALUES ('delete', (SELECT id FROM {KEY_TABLE} WHERE user_id = old.id),
            old.username, old.first_name, old.last_name, old.email);
    DELETE FROM {KEY_TABLE} WHERE user_id = old.id;
"""
_SQLITE_SCHEMA = [
    f"CREATE TABLE IF NOT EXISTS {KEY_TABLE} ("
    "id INTEGER PRIMARY KEY, user_id char(32) NOT NULL UNIQUE)",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "username, first_name, last_name, email, content='', tokenize='trigram')",
    f"DROP TRIGGER IF EXISTS {TRIGGERS[0]}",
    f"DROP TRIGGER IF EXISTS {TRIGGERS[1]}",
    f"DROP TRIGGER IF EXISTS {TRIGGERS[2]}",
    f"CREATE TRIGGER {TRIGGERS[0]} AFTER INSERT ON accounts_user BEGIN {_FTS_INSERT} END",
    f"CREATE TRIGGER {TRIGGERS[1]} AFTER DELETE ON accounts_user BEGIN {_FTS_DELETE} END",
    # Only when a searched field changes: a save() writes every column, a sign-in's update does not.
    f"CREATE TRIGGER {TRIGGERS[2]} AFTER UPDATE OF id, username, first_name, last_name, email "
    "ON accounts_user WHEN old.id IS NOT new.id OR old.username IS NOT new.username "
    "OR old.first_name IS NOT new.first_name OR old.last_name IS NOT new.last_name "
    f"OR old.email IS NOT new.email BEGIN {_FTS_DELETE} {_FTS_INSERT} END",
]
_SQLITE_REBUILD = [
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')",
    f"DELETE FROM {KEY_TABLE}",
    f"INSERT INTO {KEY_TABLE}(user_id) SELECT id FROM accounts_user",
    f"INSERT INTO {FTS_TABLE}(rowid, username, first_name, last_name, email) "
    f"SELECT k.id, u.username, u.first_name, u.last_name, u.email "
    f"FROM accounts_user u JOIN {KEY_TABLE} k ON k.user_id = u.id",
]
_SQLITE_DROP = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS),
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
    f"DROP TABLE IF EXISTS {KEY_TABLE}",
]
_SQLITE_COUNT = (
    f"SELECT count(*) FROM (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT %s)"
)
_SQLITE_PREFIX_COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM accounts_user WHERE LOWER(username) >= LOWER(%s) "
    "AND LOWER(username) < LOWER(%s) || char(1114111) LIMIT %s)"
)
# The candidates of one MATCH expression, as user ids.
_SQLITE_CANDIDATES = (
    f"SELECT {KEY_TABLE}.user_id FROM {FTS_TABLE} "
    f"JOIN {KEY_TABLE} ON {KEY_TABLE}.id = {FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH %s"
)

# --- PostgreSQL: pg_trgm GIN indexes on the expression icontains compares


# One index over the four fields together drives a search (one index scan where four cost 19 ms at
# a million users); the four icontains conditions then decide, as everywhere. The username's own
# index serves the short searches (a prefix of the username).
def _pg_all_fields(table: str = "") -> str:
    """``UPPER(username || ' ' || first_name || ...)``, with the table's name in a query."""
    prefix = f'"{table}".' if table else ""
    return "UPPER(({}))".format(" || ' ' || ".join(f'{prefix}"{f}"::text' for f in FIELDS))


PG_INDEXES = {
    "all": "accounts_user_search_trgm",
    "username": "accounts_user_username_trgm",
    # SCIM's userName co/sw/ew compare LOWER(username) (scim.queries): the index on that very
    # expression serves them exactly. The UPPER one could not stand in: pg_trgm lower-cases what it
    # indexes, and lower(upper(c)) is not lower(c) for every letter (final sigma, dotless i).
    "username_lower": "accounts_user_username_lower_trgm",
}
_PG_SCHEMA = [
    f"CREATE INDEX IF NOT EXISTS {PG_INDEXES['all']} ON accounts_user "
    f"USING gin ({_pg_all_fields()} gin_trgm_ops)",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEXES['username']} ON accounts_user "
    'USING gin (UPPER("username"::text) gin_trgm_ops)',
    f"CREATE INDEX IF NOT EXISTS {PG_INDEXES['username_lower']} ON accounts_user "
    'USING gin (LOWER("username"::text) gin_trgm_ops)',
]


def pg_contains_all(text: str) -> RawSQL:
    """PostgreSQL: "the four fields together contain ``text``", in the search index's own terms."""
    return RawSQL(
        f"{_pg_all_fields(User._meta.db_table)} LIKE UPPER(%s)",
        [_like_pattern(text)],
        output_field=BooleanField(),
    )


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Per database alias: whether the SQLite FTS table is there (read once per process).
_fts_ready: dict[str, bool] = {}


def sqlite_supports_trigram(version: tuple[int, ...] = sqlite3.sqlite_version_info) -> bool:
    return tuple(version) >= SQLITE_TRIGRAM


def _sqlite_objects(cursor) -> set[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE name IN (%s, %s, %s, %s, %s)",
        [FTS_TABLE, KEY_TABLE, *TRIGGERS],
    )
    return {row[0] for row in cursor.fetchall()}


def ensure_user_search_index(using: str = "default", *, verbose: bool = False) -> str:
    """Create the search index if it is missing (rebuild it if its triggers are); say what was done.

    Idempotent and cheap when all is in place (one catalog query). Returns a
    short description, for ``migrate``'s output and the tests.
    """
    connection = connections[using]
    _fts_ready.pop(using, None)
    if connection.vendor == "sqlite":
        return _ensure_sqlite(connection)
    if connection.vendor == "postgresql":
        return _ensure_postgresql(connection)
    return "no substring index for this database: user search reads every user"


def _ensure_sqlite(connection) -> str:
    if not sqlite_supports_trigram():
        return (
            f"SQLite {sqlite3.sqlite_version} has no trigram tokenizer (3.34 or newer has): "
            "user search reads every user"
        )
    with connection.cursor() as cursor:
        present = _sqlite_objects(cursor)
        if present == {FTS_TABLE, KEY_TABLE, *TRIGGERS}:
            return "user search index in place"
        try:
            with transaction.atomic(using=connection.alias):
                for statement in _SQLITE_SCHEMA + _SQLITE_REBUILD:
                    cursor.execute(statement)
        except DatabaseError as exc:  # FTS5 not compiled in, or no trigram tokenizer after all
            log.warning("user search index not created (%s): user search reads every user", exc)
            return f"user search index not created ({exc}): user search reads every user"
    return "user search index built"


def _ensure_postgresql(connection) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'accounts_user' AND indexname = ANY(%s)",
            [list(PG_INDEXES.values())],
        )
        if cursor.fetchone()[0] == len(PG_INDEXES):
            return "user search index in place"
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as exc:
            message = (
                f"the pg_trgm extension could not be created ({str(exc).strip()}): user search "
                "reads every user. Install PostgreSQL's contrib package or have a superuser run "
                "CREATE EXTENSION pg_trgm in this database, then run `ssoconsole migrate` again."
            )
            log.warning(message)
            return message
        with transaction.atomic(using=connection.alias):
            for statement in _PG_SCHEMA:
                cursor.execute(statement)
    return "user search index built"


def drop_user_search_index(using: str = "default") -> None:
    connection = connections[using]
    _fts_ready.pop(using, None)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for statement in _SQLITE_DROP:
                cursor.execute(statement)
        elif connection.vendor == "postgresql":
            for name in PG_INDEXES.values():
                cursor.execute(f"DROP INDEX IF EXISTS {name}")


def _sqlite_fts_ready(connection) -> bool:
    ready = _fts_ready.get(connection.alias)
    if ready is None:
        with connection.cursor() as cursor:
            ready = _sqlite_objects(cursor) == {FTS_TABLE, KEY_TABLE, *TRIGGERS}
        _fts_ready[connection.alias] = ready
    return ready


def _phrase(word: str) -> str:
    """An FTS5 phrase that matches ``word`` as a substring (trigram tokenizer), quotes escaped."""
    return '"' + word.replace('"', '""') + '"'


def _contains(word: str) -> Q:
    return Q(*(Q(**{f"{f}__icontains": word}) for f in FIELDS), _connector=Q.OR)


# Beyond this many candidates an index is no help: so many users match that walking the
# username order and keeping the matches finds a page sooner than sorting all the candidates.
FTS_CANDIDATES_MAX = 10_000


def search_users(tenant, text: str, *, words: bool, queryset: QuerySet | None = None) -> QuerySet:
    """Return the users of ``tenant`` (from ``queryset``, default all users) that match ``text``.

    ``words=True`` (the console): every whitespace-separated word (up to 8)
    must be found, each in any of the fields; ``words=False`` (the API's
    ``q``): the text as one piece. If no word has 3 characters, the text is
    a username prefix. The tenant condition is added here because on SQLite
    its form decides the plan (see below).
    """
    queryset = User.objects.all() if queryset is None else queryset
    text = text.strip()
    parts = [p for p in (text.split()[:8] if words else [text]) if p]
    if not parts:
        return queryset.filter(tenant=tenant)
    long_parts = [p for p in parts if len(p) >= MIN_SUBSTRING]
    connection = connections[queryset.db]
    if not long_parts:
        prefix = " ".join(parts)
        queryset = queryset.filter(username__istartswith=prefix)
        if connection.vendor != "sqlite" or _too_many(
            connection, _SQLITE_PREFIX_COUNT, [prefix, prefix]
        ):
            return queryset.filter(tenant=tenant)
        # The same rows, as a range of the unique LOWER(username) index (LIKE cannot use it).
        low, high = _prefix_range(prefix)
        return queryset.alias(
            _username_lower=Lower("username"), _tenant=unindexed("tenant_id")
        ).filter(_tenant=tenant.id, _username_lower__gte=low, _username_lower__lt=high)
    for part in parts:
        queryset = queryset.filter(_contains(part))
    if connection.vendor == "postgresql":
        # The same words against the four fields together: the condition the index serves.
        for part in long_parts:
            queryset = queryset.filter(pg_contains_all(part))
        return queryset.filter(tenant=tenant)
    if connection.vendor != "sqlite" or not _sqlite_fts_ready(connection):
        return queryset.filter(tenant=tenant)
    match = " AND ".join(_phrase(p) for p in long_parts)
    if _too_many(connection, _SQLITE_COUNT, [match]):
        return queryset.filter(tenant=tenant)
    # SQLite plans without statistics unless someone ran ANALYZE: it would walk the tenant's
    # (tenant, username) index and test each user against the candidates, a scan of the tenant.
    # A unary plus keeps the tenant condition out of index choice, so the candidates drive.
    return queryset.alias(_tenant=unindexed("tenant_id")).filter(
        _tenant=tenant.id, id__in=RawSQL(_SQLITE_CANDIDATES, [match])
    )


def _too_many(connection, count_sql: str, params: list) -> bool:
    """Whether the index finds more than ``FTS_CANDIDATES_MAX`` candidates (counting stops there)."""
    with connection.cursor() as cursor:
        cursor.execute(count_sql, [*params, FTS_CANDIDATES_MAX + 1])
        return cursor.fetchone()[0] > FTS_CANDIDATES_MAX


def unindexed(column: str) -> Func:
    """``+column``: the same value, which SQLite's planner does not consider for an index."""
    return Func(F(column), template="+%(expressions)s", output_field=UUIDField())


def _prefix_range(prefix: str):
    """``LOWER(prefix)`` and the smallest string above every string that starts with it."""
    low = Lower(Value(prefix))
    return low, Concat(low, Value("\U0010ffff"))


def username_candidates(text: str, using: str = "default") -> RawSQL | None:
    """SQLite: the ids of the users whose username contains ``text``, a superset, from the index.

    For conditions that compare the username themselves (SCIM's ``userName co``,
    ``sw`` and ``ew``): ``user_id IN (these)`` added to the condition lets the
    FTS table find the candidates instead of a scan, and the condition still
    decides. The trigram tokenizer folds case at least as widely as ``LIKE``,
    so every user the condition matches is a candidate. ``None`` when the index
    cannot help: not SQLite (PostgreSQL's index serves the condition as it is),
    fewer than 3 characters, no FTS table, or more than
    :data:`FTS_CANDIDATES_MAX` candidates (reading the tenant is then cheaper).
    """
    connection = connections[using]
    if connection.vendor != "sqlite" or len(text) < MIN_SUBSTRING:
        return None
    if not _sqlite_fts_ready(connection):
        return None
    match = f"username : {_phrase(text)}"
    if _too_many(connection, _SQLITE_COUNT, [match]):
        return None
    return RawSQL(_SQLITE_CANDIDATES, [match])
