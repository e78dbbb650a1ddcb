"""The Agents search (console and ``GET /api/v1/agents?search=``), served by indexes at scale.

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
from django.db.models.expressions import RawSQL

from ssoconsole.accounts import search as user_search
from ssoconsole.accounts.models import User
from ssoconsole.agents.models import Agent
from ssoconsole.core.trigram import MIN_SUBSTRING, TrigramIndex, phrase, too_many
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
)


def _sql(queryset) -> tuple[str, tuple]:
    """A sub-select's SQL and parameters, without the model's default order (UNION refuses one)."""
    queryset = queryset.order_by()
    return queryset.query.get_compiler(queryset.db).as_sql()


def agent_candidates(tenant, text: str, using: str = "default") -> RawSQL | None:
    """The ids of a superset of ``tenant``'s agents matching ``text``, as one sub-select; or ``None``.

    ``None``: shorter than 3 characters, a database without these indexes, or
    too many candidates on one of the three ways (see the module's doc).
    """
    connection = connections[using]
    if len(text) < MIN_SUBSTRING or connection.vendor not in ("sqlite", "postgresql"):
        return None
    if connection.vendor == "sqlite":
        if not AGENT_INDEX.ready(using) or not user_search._sqlite_fts_ready(connection):
            return None
        own = (AGENT_INDEX._sqlite_candidates(), (phrase(text),))
        users = (
            user_search._SQLITE_CANDIDATES,
            (f"{{username first_name last_name}} : {phrase(text)}",),
        )
    else:
        own = (
            f"SELECT id FROM agents_agent WHERE {_pg_own_fields('agents_agent')} LIKE UPPER(%s)",
            (user_search._like_pattern(text),),
        )
        users = _sql(User.objects.filter(user_search.pg_contains_all(text)).values("id"))
    orgs = Organization.objects.filter(tenant=tenant, name__icontains=text).values("id")
    org_users = _sql(User.objects.filter(org__in=orgs).values("id"))
    for sql, params in (own, users, org_users):
        if too_many(using, sql, list(params)):
            return None
    by_user = _sql(Agent.objects.filter(user_id__in=RawSQL(users[0], users[1])).values("id"))
    by_org = _sql(Agent.objects.filter(user_id__in=RawSQL(org_users[0], org_users[1])).values("id"))
    return RawSQL(
        f"{own[0]} UNION {by_user[0]} UNION {by_org[0]}",
        [*own[1], *by_user[1], *by_org[1]],
    )
