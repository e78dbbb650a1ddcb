"""SCIM filters translated to database conditions (never a scan of the tenant's rows in Python).

Each filterable attribute maps to a column: ``userName`` to the console
user's username (compared lower-cased, which the accounts table indexes),
``externalId`` and ``id`` to indexed columns of the SCIM tables, ``emails``
to the :class:`~ssoconsole.scim.models.ScimEmail` rows through ``EXISTS``.
An attribute outside the table is an ``invalidFilter`` error that lists the
ones that work, rather than a silent full scan.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connections
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.dateparse import parse_datetime

from ssoconsole.accounts.search import unindexed, username_candidates
from ssoconsole.scim import schema
from ssoconsole.scim.email_search import email_candidates
from ssoconsole.scim.errors import ScimError
from ssoconsole.scim.filters import And, AttrPath, Compare, Not, Or, ValuePath
from ssoconsole.scim.models import ScimEmail, ScimMembership


@dataclass(frozen=True)
class Column:
    field: str
    kind: str  # "ci" (case-insensitive text), "exact" (case-exact text), "id", "bool", "date"


USER_COLUMNS = {
    "id": Column("id", "id"),
    "username": Column("username_key", "ci"),
    "externalid": Column("external_id", "exact"),
    "active": Column("user__is_active", "bool"),
    "name.givenname": Column("user__first_name", "ci"),
    "name.familyname": Column("user__last_name", "ci"),
    "meta.created": Column("created_at", "date"),
    "meta.lastmodified": Column("updated_at", "date"),
    "department": Column("department", "ci"),
    "orgname": Column("org_name", "ci"),
}
USER_ALIASES = {"username_key": Lower("user__username")}


def aliases_for(node) -> dict:
    """Return the aliases ``node`` needs: the lower-cased username only when it filters on userName
    (an unused alias would still join the accounts table, which a bare count does not need)."""
    return USER_ALIASES if _mentions(node, "username") else {}


def _mentions(node, key: str) -> bool:
    if isinstance(node, (And, Or)):
        return _mentions(node.left, key) or _mentions(node.right, key)
    if isinstance(node, Not):
        return _mentions(node.inner, key)
    if isinstance(node, ValuePath):
        return False
    return node.path.attr.lower() == key


EMAIL_COLUMNS = {
    "value": Column("value", "lower"),
    "type": Column("type", "lower"),
    "primary": Column("primary", "bool"),
}

GROUP_COLUMNS = {
    "id": Column("id", "id"),
    "displayname": Column("display_name_key", "lower"),
    "externalid": Column("external_id", "exact"),
    "meta.created": Column("created_at", "date"),
    "meta.lastmodified": Column("updated_at", "date"),
}

_LOOKUPS = {
    "eq": "exact",
    "co": "contains",
    "sw": "startswith",
    "ew": "endswith",
    "gt": "gt",
    "ge": "gte",
    "lt": "lt",
    "le": "lte",
}


def _unsupported(path: AttrPath, columns) -> ScimError:
    names = sorted(
        {"userName", "externalId", "id", "emails", "active", "displayName"} & _names(columns)
    )
    return ScimError(
        "scim.invalid_filter",
        f"Filtering on “{path.attr}{'.' + path.sub if path.sub else ''}” is not supported; "
        f"filter on {', '.join(names)} (see docs/scim.md).",
    )


def _names(columns) -> set[str]:
    display = {
        "id": "id",
        "username": "userName",
        "externalid": "externalId",
        "active": "active",
        "displayname": "displayName",
    }
    names = {display[k] for k in columns if k in display}
    if columns is USER_COLUMNS:
        names.add("emails")
    return names


def _strip_urn(path: AttrPath, core: str) -> str:
    """Return the lookup key of ``path``; extension attributes keep only their name."""
    if path.urn is None or path.urn.lower() == core.lower():
        return path.dotted()
    if path.urn.lower() in (schema.ENTERPRISE.lower(), schema.CONSOLE.lower()):
        return path.dotted()
    return "\0unknown"


def _value(column: Column, node: Compare):
    value = node.value
    if column.kind == "id":
        if node.op not in ("eq", "ne"):
            raise ScimError("scim.invalid_filter", "id can only be compared with eq or ne.")
        try:
            return uuid.UUID(str(value))
        except ValueError:
            return None  # an id that is not ours matches nothing
    if column.kind == "bool":
        if not isinstance(value, bool) or node.op not in ("eq", "ne"):
            raise ScimError(
                "scim.invalid_filter",
                f"{node.path.attr} is true or false, compared with eq or ne (like active eq true).",
            )
        return value
    if column.kind == "date":
        moment = parse_datetime(value) if isinstance(value, str) else None
        if moment is None:
            raise ScimError(
                "scim.invalid_filter",
                f"{node.path.attr}.{node.path.sub} compares with a date like "
                '"2026-01-31T12:00:00Z".',
            )
        return moment
    if not isinstance(value, str):
        raise ScimError(
            "scim.invalid_filter",
            f"{node.path.attr} is compared with a string in double quotes.",
        )
    if len(value) > 254:
        raise ScimError("scim.invalid_filter", "A compared value is at most 254 characters long.")
    return value.lower() if column.kind in ("ci", "lower") else value


def _username_substring(node: Compare) -> tuple[Q, bool]:
    """``userName co/sw/ew``: the same condition, plus the user search index's candidates on SQLite.

    The condition compares ``LOWER(username)`` with ``LIKE``, which no B-tree
    serves: at a million users that read every user of the tenant. PostgreSQL's
    trigram index on ``LOWER(username)`` serves it as it is; on SQLite the FTS
    table's candidates (a superset, accounts.search.username_candidates) go in
    front of it. Only in a positive position: ``not (...)`` keeps the bare
    condition, whose rows the candidates must not narrow. The flag: whether
    candidates were added (they can then drive the plan, see :func:`filter_users`).
    """
    condition = _compare(USER_COLUMNS["username"], node)
    candidates = username_candidates(_value(USER_COLUMNS["username"], node))
    if candidates is None:
        return condition, False
    return Q(user_id__in=candidates) & condition, True


def _compare(column: Column, node: Compare) -> Q:
    if node.op == "pr":
        if column.kind in ("bool", "date", "id"):
            return Q(**{f"{column.field}__isnull": False})
        return ~Q(**{column.field: ""}) & Q(**{f"{column.field}__isnull": False})
    value = _value(column, node)
    if isinstance(value, datetime) is False and column.kind == "id" and value is None:
        return Q(pk__in=[]) if node.op == "eq" else Q()
    if node.op == "ne":
        return ~Q(**{column.field: value})
    return Q(**{f"{column.field}__{_LOOKUPS[node.op]}": value})


def _email_condition(node, positive: bool) -> tuple[Q, bool]:
    """The ``ScimEmail`` condition of a filter on e-mails, and whether an index drives it."""
    if isinstance(node, And):
        left, right = (_email_condition(n, positive) for n in (node.left, node.right))
        return left[0] & right[0], left[1] or right[1]
    if isinstance(node, Or):
        left, right = (_email_condition(n, positive) for n in (node.left, node.right))
        return left[0] | right[0], False
    if isinstance(node, Not):
        return ~_email_condition(node.inner, False)[0], False
    if isinstance(node, Compare):
        column = EMAIL_COLUMNS.get(node.path.attr.lower())
        if column is None or node.path.sub:
            raise ScimError(
                "scim.invalid_filter",
                "Inside emails[...] filter on value, type or primary.",
            )
        condition = _compare(column, node)
        if not positive or column.field != "value":
            return condition, False
        if node.op == "eq":
            return condition, True  # the (value, type) index
        if node.op in _SUBSTRING_OPS:
            # Like userName's: the FTS table's candidates (a superset) in front, on SQLite.
            candidates = email_candidates(_value(column, node))
            if candidates is not None:
                return Q(id__in=candidates) & condition, True
        return condition, False
    raise ScimError("scim.invalid_filter", "A filter in brackets cannot contain another one.")


def _emails_exist(condition: Q) -> Q:
    """Users with an e-mail row matching ``condition``, as ``id IN (SELECT …)``: the sub-select reads
    the e-mail index once instead of running a correlated EXISTS for every user of the tenant."""
    return Q(id__in=ScimEmail.objects.filter(condition).values("scim_user_id"))


def user_condition(node, *, positive: bool = True) -> Q:
    """Return the ``ScimUser`` condition of a filter tree (use with :data:`USER_ALIASES`).

    ``positive``: no ``not`` above ``node`` (an index's candidates may then be added).
    """
    return _user_condition(node, positive)[0]


def filter_users(queryset, tenant, node):
    """``queryset`` narrowed to ``tenant``'s users that match the filter tree ``node`` (or all).

    SQLite plans without statistics unless someone ran ``ANALYZE``, and even
    with them it would rather walk the tenant's ``(tenant, created_at, id)``
    list index and test each SCIM user than start from a selective
    condition's index: 6 s at a million SCIM users for ``userName co``. When
    the filter is a plain ``and`` of comparisons (no ``or``, no ``not`` on the
    way) and one of them is served by an index of its own (the username or
    e-mail candidates, ``userName eq``'s ``LOWER(username)`` index, ``emails
    eq``'s ``(value, type)`` index, ``id eq``), the tenant condition is written
    ``+tenant_id``: the same condition, kept out of index choice, so that index
    drives. PostgreSQL, which has statistics, keeps the plain condition.
    """
    if node is None:
        return queryset.filter(tenant=tenant)
    condition, driven = _user_condition(node, True)
    queryset = queryset.alias(**aliases_for(node)).filter(condition)
    if driven and connections[queryset.db].vendor == "sqlite":
        return queryset.alias(_tenant=unindexed("tenant_id")).filter(_tenant=tenant.id)
    return queryset.filter(tenant=tenant)


def _user_condition(node, positive: bool) -> tuple[Q, bool]:
    """The condition of ``node`` and whether an index of its own can drive it (a plain ``and``)."""
    if isinstance(node, And):
        left, right = (_user_condition(n, positive) for n in (node.left, node.right))
        return left[0] & right[0], left[1] or right[1]
    if isinstance(node, Or):
        left, right = (_user_condition(n, positive) for n in (node.left, node.right))
        return left[0] | right[0], False
    if isinstance(node, Not):
        return ~_user_condition(node.inner, False)[0], False
    if isinstance(node, ValuePath):
        if node.path.attr.lower() != "emails" or node.path.sub:
            raise _unsupported(node.path, USER_COLUMNS)
        condition, driven = _email_condition(node.filter, positive)
        return _emails_exist(condition), driven
    key = _strip_urn(node.path, schema.CORE_USER)
    if key.startswith("emails"):
        sub = node.path.sub or "value"
        condition, driven = _email_condition(
            Compare(AttrPath(None, sub), node.op, node.value), positive
        )
        return _emails_exist(condition), driven
    column = USER_COLUMNS.get(key)
    if column is None:
        raise _unsupported(node.path, USER_COLUMNS)
    if positive and key == "username" and node.op in _SUBSTRING_OPS:
        return _username_substring(node)
    condition = _compare(column, node)
    # userName's LOWER(username) index and the primary key find their rows across tenants.
    indexed = positive and node.op == "eq" and key in ("username", "id")
    return condition, indexed


# The comparisons a substring index can find candidates for.
_SUBSTRING_OPS = frozenset({"co", "sw", "ew"})


def group_condition(node) -> Q:
    """Return the ``ScimGroup`` condition of a filter tree."""
    if isinstance(node, And):
        return group_condition(node.left) & group_condition(node.right)
    if isinstance(node, Or):
        return group_condition(node.left) | group_condition(node.right)
    if isinstance(node, Not):
        return ~group_condition(node.inner)
    if isinstance(node, ValuePath) or _strip_urn(node.path, schema.CORE_GROUP).startswith(
        "members"
    ):
        inner = (
            node.filter
            if isinstance(node, ValuePath)
            else Compare(AttrPath(None, node.path.sub or "value"), node.op, node.value)
        )
        if node.path.attr.lower() != "members":
            raise _unsupported(node.path, GROUP_COLUMNS)
        members = ScimMembership.objects.filter(_member_condition(inner))
        return Q(id__in=members.values("group_id"))
    column = GROUP_COLUMNS.get(_strip_urn(node.path, schema.CORE_GROUP))
    if column is None:
        raise _unsupported(node.path, GROUP_COLUMNS)
    return _compare(column, node)


def _member_condition(node) -> Q:
    if isinstance(node, And):
        return _member_condition(node.left) & _member_condition(node.right)
    if isinstance(node, Or):
        return _member_condition(node.left) | _member_condition(node.right)
    if isinstance(node, Not):
        return ~_member_condition(node.inner)
    if isinstance(node, Compare) and node.path.attr.lower() == "value" and node.op == "eq":
        return _compare(Column("scim_user_id", "id"), node)
    raise ScimError("scim.invalid_filter", 'Filter members with value eq "id" only.')
