"""The database work of each sign-in step, pinned: a regression shows here, not in production.

Counts are of statements Django sends, savepoints included (the test runs
inside a transaction, so the ACS's ``atomic`` block shows as a SAVEPOINT and
its RELEASE; in production they are its BEGIN and COMMIT). The same counts
hold on SQLite and PostgreSQL (CI runs both). docs/performance.md explains
what each statement is for.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from . import helpers

USERNAME = "Ada.Lovelace@example.org"

# user (+org, tenant) by the indexed username; the org's ancestors; the tenant's
# providers; the outstanding request's INSERT.
LOGIN_QUERIES = 4
# The outstanding request with its tenant, provider and SP identity; the user; the
# org's ancestors; then one transaction: the replay row, the request consumed,
# last_login, the audit event, the session (its own savepoint: a key clash retries).
ACS_QUERIES = 12
# The session, the user, the user's roles.
ME_QUERIES = 3


def _sign_in(browser, tenant):
    started = browser.start(USERNAME.lower())
    response = browser.post_acs(
        helpers.answer(tenant, started["id"], USERNAME), started["relay_state"]
    )
    assert response.status_code == 303, response.content[:300]
    return response


@pytest.fixture
def warm(browser_client, second_browser, sso_user, tenant):
    """One sign-in first: the tenant's SP keys are generated on first use, once in its lifetime."""
    _sign_in(second_browser, tenant)
    return browser_client


def test_the_username_step_of_an_sso_user_runs_four_queries(warm, django_assert_num_queries):
    with django_assert_num_queries(LOGIN_QUERIES):
        response = warm.client.get("/login", {"username": USERNAME.lower()})
    assert response.status_code == 302


def test_the_acs_signs_in_with_twelve_queries_in_one_transaction(warm, tenant):
    started = warm.start(USERNAME.lower())
    value = helpers.answer(tenant, started["id"], USERNAME)
    with CaptureQueriesContext(connection) as queries:
        response = warm.post_acs(value, started["relay_state"])
    assert response.status_code == 303
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert len(statements) == ACS_QUERIES, "\n".join(q["sql"][:120] for q in queries)
    # Reads first, then every write between the transaction's opening SAVEPOINT and its RELEASE.
    first_write = next(i for i, s in enumerate(statements) if s in {"INSERT", "UPDATE", "DELETE"})
    assert statements[first_write - 1] == "SAVEPOINT" and statements[-1] == "RELEASE"
    assert all(s in {"SELECT", "WITH"} for s in statements[: first_write - 1])


def test_the_acs_writes_the_session_once_and_purges_nothing(warm, tenant):
    """Housekeeping runs in the scheduler; the session row is inserted once, never updated after."""
    started = warm.start(USERNAME.lower())
    value = helpers.answer(tenant, started["id"], USERNAME)
    with CaptureQueriesContext(connection) as queries:
        warm.post_acs(value, started["relay_state"])
    sql = [q["sql"] for q in queries.captured_queries]
    session_writes = [s for s in sql if "accounts_console_session" in s]
    assert len(session_writes) == 1 and session_writes[0].startswith("INSERT")
    assert not [s for s in sql if s.startswith("DELETE")]


def test_api_me_after_sign_in_runs_three_queries(warm, tenant, django_assert_num_queries):
    _sign_in(warm, tenant)
    with django_assert_num_queries(ME_QUERIES):
        response = warm.me()
    assert response.status_code == 200 and response.json()["username"] == USERNAME


def test_a_second_sign_in_of_the_same_user_costs_the_same(warm, tenant):
    """No per-user or per-session work piles up: the tenth sign-in runs what the second did."""
    counts = []
    for _ in range(3):
        started = warm.start(USERNAME.lower())
        value = helpers.answer(tenant, started["id"], USERNAME)
        with CaptureQueriesContext(connection) as queries:
            warm.post_acs(value, started["relay_state"])
        counts.append(len(queries))
        warm.client.cookies.clear()
    assert counts == [ACS_QUERIES] * 3
