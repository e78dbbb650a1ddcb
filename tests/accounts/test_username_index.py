"""Username lookups go through the unique ``Lower("username")`` index, on SQLite and PostgreSQL.

Each sign-in looks a username up twice (the login page, the ACS), so a
lookup the index cannot serve scans the whole user table twice per sign-in:
53 ms at 200,000 users. The plans are read with ``EXPLAIN``; PostgreSQL is
told to avoid sequential scans, since on a table this small it would prefer
one even with a usable index.
"""

from __future__ import annotations

from django.db import connection

from ssoconsole.accounts.models import User
from ssoconsole.accounts.services import (
    find_user_by_username,
    username_lookup,
    username_taken,
    with_username_lower,
)

INDEX = "accounts_username_unique_ci"


def _plan(queryset) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def test_the_username_lookup_is_served_by_the_unique_lower_index(make_user):
    make_user("Grace.Hopper@example.org")
    plan = _plan(
        with_username_lower(User.objects).filter(username_lookup("grace.hopper@EXAMPLE.org"))
    )
    assert INDEX in plan, plan


def test_the_lookup_finds_the_user_in_any_letter_case(make_user):
    user = make_user("Grace.Hopper@example.org")
    assert find_user_by_username("GRACE.HOPPER@example.ORG") == user
    assert username_taken("grace.hopper@example.org")


def test_a_long_s_still_does_not_reach_the_account_with_an_s(make_user):
    """``ſupport`` (U+017F) upper-cases to SUPPORT; the index lookup plus the two-way rule refuse it."""
    make_user("support")
    assert find_user_by_username("ſupport") is None
    assert find_user_by_username("SUPPORT") is not None
