"""The Agents search (console and ``GET /api/v1/agents?q=``), served by indexes at scale.

The rule is unchanged: an agent matches when its device name, platform, its
user's username, first or last name, or its user's organization's name
contains the text, in any letter case (Django's ``icontains``). That
condition still decides; for a text of 3 or more characters the indexes
find the **candidates** (a superset) first, so the database reads those
agents instead of every agent of the tenant:

- the agent's own fields: a substring index on device name and platform
  (``ssoconsole.core.trigram``: FTS5 trigram on SQLite, ``pg_trgm`` on
  ``UPPER(name || ' ' || platform)`` on PostgreSQL);
- the user's fields: the user search index (``ssoconsole.accounts.search``),
  then the agents of those users through the ``(user, revoked_at)`` index;
- the organization's name: the tenant's orgs whose name contains the text
  (at most the tenant's orgs, read through its tenant index), their users
  through the ``org`` index, and those users' agents.

When any of the three finds more than ``CANDIDATES_MAX`` rows, the index is
no help (so many agents match that walking the list order finds a page
sooner): the plain condition is used, on the tenant's list order.
"""

from __future__ import annotations

from django.db import connections

from ssoconsole.accounts import search as user_search
from ssoconsole.accounts.models import User
from ssoconsole.agents.models import Agent
from ssoconsole.core import trigram
from ssoconsole.core.trigram import MIN_SUBSTRING, TrigramIndex, like_pattern, phrase
from ssoconsole.tenancy.models import Organization


def _pg_own_fields(table: str = "") -> str:
    prefix = f'"{table}".' if table else ""
    return f'UPPER(({prefix}"name"::text || \' \' || {prefix}"platform"::text))'


AGENT_INDEX = TrigramIndex(
    table="agents_agent",
    columns=("name", "platform"),
    name="agents_agent_search",
    integer_key=False,
    pg_expression=_pg_own_fields(),
    label="agent search index",
)


def _sql(queryset) -> tuple[str, tuple]:
    """A sub-select's SQL and parameters, without the model's default order (UNION refuses one)."""
    queryset = queryset.order_by()
    return queryset.query.get_compiler(queryset.db).as_sql()


def agent_candidates(tenant, text: str, using: str = "default") -> list | None:
    """The ids of a superset of ``tenant``'s agents matching ``text`` (at most ``CANDIDATES_MAX``).

    ``None``: shorter than 3 characters, a database without these indexes, or
    too many candidates on one of the three ways (see the module's doc). Each
    index is read once (the users, then the agents' own fields with those
    users' agents), so that the page and its count do not read them again.
    """
    connection = connections[using]
    if len(text) < MIN_SUBSTRING or connection.vendor not in ("sqlite", "postgresql"):
        return None
    if connection.vendor == "sqlite":
        if not AGENT_INDEX.ready(using) or not user_search.USER_INDEX.ready(using):
            return None
        own = (AGENT_INDEX.candidates_sql(), (phrase(text),))
        users = (
            user_search.USER_INDEX.candidates_sql(),
            (f"{{username first_name last_name}} : {phrase(text)}",),
        )
    else:
        own = (
            f"SELECT id FROM agents_agent WHERE {_pg_own_fields('agents_agent')} LIKE UPPER(%s)",
            (like_pattern(text),),
        )
        users = _sql(User.objects.filter(user_search.pg_contains_all(text)).values("id"))
    orgs = Organization.objects.filter(tenant=tenant, name__icontains=text).values("id")
    org_users = _sql(User.objects.filter(org__in=orgs).values("id"))
    # The users found by name or org, each read once; more than the bound means more agents than
    # the index helps with.
    user_ids = []
    for sql, params in (users, org_users):
        found = _ids(connection, sql, params)
        if found is None:
            return None
        user_ids += found
    sql, params = own
    if user_ids:
        by_user = _sql(Agent.objects.filter(user_id__in=user_ids).values("id"))
        sql, params = f"{sql} UNION {by_user[0]}", [*params, *by_user[1]]
    found = _ids(connection, sql, params)
    return None if found is None else [Agent._meta.pk.to_python(i) for i in found]


def _ids(connection, sql: str, params) -> list | None:
    """The first column of ``sql``'s rows, or ``None`` beyond ``CANDIDATES_MAX`` of them."""
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT %s", [*params, trigram.CANDIDATES_MAX + 1])
        ids = [row[0] for row in cursor.fetchall()]
    return None if len(ids) > trigram.CANDIDATES_MAX else ids
