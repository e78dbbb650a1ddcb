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
  contentless FTS5 table ``accounts_user_search`` of the four fields
  (:class:`~ssoconsole.core.trigram.TrigramIndex`, which the SCIM e-mail
  and Agents searches use too), kept in step with ``accounts_user`` by
  triggers, and a small key table that maps each user's id to the FTS row
  (``accounts_user`` has no integer key of its own to share). Every word of 3+ characters must match the FTS
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

from django.db import DatabaseError, connections, transaction
from django.db.models import BooleanField, F, Func, Q, QuerySet, UUIDField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, Lower

from ssoconsole.accounts.models import User
from ssoconsole.core import trigram
from ssoconsole.core.trigram import MIN_SUBSTRING, TrigramIndex, like_pattern, phrase

log = logging.getLogger(__name__)

FIELDS = ("username", "first_name", "last_name", "email")

# --- PostgreSQL: pg_trgm GIN indexes on the expression icontains compares


# One index over the four fields together drives a search (one index scan where four cost 19 ms at
# a million users); the four icontains conditions then decide, as everywhere. The username's own
# index serves the short searches (a prefix of the username).
def _pg_all_fields(table: str = "") -> str:
    """``UPPER(username || ' ' || first_name || ...)``, with the table's name in a query."""
    prefix = f'"{table}".' if table else ""
    return "UPPER(({}))".format(" || ' ' || ".join(f'{prefix}"{f}"::text' for f in FIELDS))


# SQLite: a contentless FTS5 table of the four fields (``core.trigram``), with a key table that
# maps each user's id to the FTS row (``accounts_user`` has no integer key of its own to share).
USER_INDEX = TrigramIndex(
    table="accounts_user",
    columns=FIELDS,
    name="accounts_user_search",
    integer_key=False,
    key_column="user_id",
    pg_expression=_pg_all_fields(),
    label="user search index",
)
FTS_TABLE = USER_INDEX.name
TRIGGERS = USER_INDEX.triggers
_SQLITE_PREFIX = (
    "SELECT 1 FROM accounts_user WHERE LOWER(username) >= LOWER(%s) "
    "AND LOWER(username) < LOWER(%s) || char(1114111)"
)

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
        [like_pattern(text)],
        output_field=BooleanField(),
    )


def ensure_user_search_index(using: str = "default", *, verbose: bool = False) -> str:
    """Create the search index if it is missing (rebuild it if its triggers are); say what was done.

    Idempotent and cheap when all is in place (one catalog query). Returns a
    short description, for ``migrate``'s output and the tests.
    """
    connection = connections[using]
    if connection.vendor == "sqlite":
        return USER_INDEX.ensure(using)
    if connection.vendor == "postgresql":
        return _ensure_postgresql(connection)
    return "no substring index for this database: user search reads every user"


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
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for name in PG_INDEXES.values():
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
    else:
        USER_INDEX.drop(using)


def _contains(word: str) -> Q:
    return Q(*(Q(**{f"{f}__icontains": word}) for f in FIELDS), _connector=Q.OR)


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
        if connection.vendor != "sqlite" or trigram.too_many(
            connection.alias, _SQLITE_PREFIX, [prefix, prefix]
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
    candidates = USER_INDEX.candidates(" AND ".join(phrase(p) for p in long_parts), queryset.db)
    if candidates is None:
        return queryset.filter(tenant=tenant)
    # SQLite plans without statistics unless someone ran ANALYZE: it would walk the tenant's
    # (tenant, username) index and test each user against the candidates, a scan of the tenant.
    # A unary plus keeps the tenant condition out of index choice, so the candidates drive.
    return queryset.alias(_tenant=unindexed("tenant_id")).filter(
        _tenant=tenant.id, id__in=candidates
    )


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
    :data:`~ssoconsole.core.trigram.CANDIDATES_MAX` candidates (reading the tenant is then
    cheaper).
    """
    if len(text) < MIN_SUBSTRING:
        return None
    return USER_INDEX.candidates(f"username : {phrase(text)}", using)
