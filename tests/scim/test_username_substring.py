"""``userName co/sw/ew`` are served by the user search index, with the same results as before.

The filter compares ``LOWER(username)`` with ``LIKE``, which read every user
of the tenant (a million at the data-scale benchmark's size). PostgreSQL's
trigram index on that expression serves it as it is; on SQLite the FTS
trigram table's candidates go in front of it and the condition still
decides. The plans are read with ``EXPLAIN`` (PostgreSQL told to avoid
sequential scans, which it prefers on tables this small).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.functions import Lower

from ssoconsole.accounts import search
from ssoconsole.core import trigram
from ssoconsole.scim import queries
from ssoconsole.scim.filters import parse_filter
from ssoconsole.scim.models import ScimUser
from ssoconsole.scim.tokens import create_token
from ssoconsole.tenancy import services as tenancy

from .conftest import ScimClient, entra_user

pytestmark = pytest.mark.django_db

NAMES = [
    "ann.lee@contoso.example",
    "Annika.Berg@Contoso.example",
    "joanne@fabrikam.example",
    "nikoς@hellas.example",
    "élodie@contoso.example",
    "bob_100%@contoso.example",
]


@pytest.fixture
def people(scim):
    ids = {}
    for i, name in enumerate(NAMES):
        body = entra_user(
            name, emails=[{"primary": True, "type": "work", "value": f"p{i}@x.example"}]
        )
        response = scim.post("/Users", body)
        assert response.status_code == 201, response.json_body
        ids[name] = response.json_body["id"]
    return ids


def _scanned(tenant, op, value) -> list[str]:
    """What the bare condition finds (the filter before the index)."""
    lookup = {"co": "contains", "sw": "startswith", "ew": "endswith"}[op]
    return sorted(
        ScimUser.objects.filter(tenant=tenant, deleted_at__isnull=True)
        .alias(key=Lower("user__username"))
        .filter(**{f"key__{lookup}": value.lower()})
        .values_list("user__username", flat=True)
    )


def _queryset(tenant, expression):
    node = parse_filter(expression)
    return (
        ScimUser.objects.filter(tenant=tenant, deleted_at__isnull=True)
        .alias(**queries.aliases_for(node))
        .filter(queries.user_condition(node))
    )


def _plan(queryset) -> str:
    if connection.vendor == "postgresql":
        # On a handful of rows PostgreSQL walks the tenant's SCIM users and looks each one up; at
        # scale the index is the cheaper start. Taking the lookups away shows which index serves.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_nestloop = off")
    return queryset.explain()


@pytest.mark.parametrize(
    ("op", "value"),
    [
        ("co", "ANN"),
        ("co", "contoso"),
        ("co", "kOς@"),
        ("co", "ÉLO"),
        ("co", "100%"),
        ("co", "_10"),
        ("sw", "ann"),
        ("sw", "Annika.b"),
        ("ew", "CONTOSO.EXAMPLE"),
        ("co", "nobody"),
        ("co", "an"),  # shorter than a trigram: the bare condition
    ],
)
def test_username_substring_filters_find_what_the_bare_condition_finds(
    scim, tenant, people, op, value
):
    assert scim.usernames(f'userName {op} "{value}"') == _scanned(tenant, op, value)


def test_not_and_or_around_a_substring_filter_keep_their_meaning(scim, tenant, people):
    everyone = sorted(NAMES)
    with_ann = _scanned(tenant, "co", "ann")
    assert scim.usernames('not (userName co "ann")') == sorted(set(everyone) - set(with_ann))
    assert scim.usernames('userName co "ann" or userName sw "joa"') == sorted(
        {*with_ann, "joanne@fabrikam.example"}
    )
    assert scim.usernames('userName co "ann" and not (userName co "berg")') == [
        "ann.lee@contoso.example",
        "joanne@fabrikam.example",
    ]


def test_another_tenants_users_are_not_found_by_a_substring_filter(scim, tenant, people):
    other = tenancy.create_tenant("Other", actor_label="test")
    other_scim = ScimClient(other, create_token(other, name="Okta", actor_label="test")[0])
    assert other_scim.post("/Users", entra_user("anna@other.example")).status_code == 201
    assert "anna@other.example" not in scim.usernames('userName co "ann"')
    assert other_scim.usernames('userName co "ann"') == ["anna@other.example"]


def test_the_substring_filter_is_served_by_the_user_search_index(tenant, people):
    plan = _plan(_queryset(tenant, 'userName co "contoso"'))
    if connection.vendor == "sqlite":
        assert "VIRTUAL TABLE INDEX" in plan and search.FTS_TABLE in plan, plan
    else:
        assert search.PG_INDEXES["username_lower"] in plan, plan


def test_under_not_the_filter_is_the_bare_condition(tenant, people):
    plan = _plan(_queryset(tenant, 'not (userName co "contoso")'))
    assert search.FTS_TABLE not in plan, plan


def test_a_substring_matching_very_many_users_reads_the_tenant_instead(
    scim, tenant, people, monkeypatch
):
    """Past CANDIDATES_MAX candidates the index is no help; the results stay the same."""
    monkeypatch.setattr(trigram, "CANDIDATES_MAX", 2)
    assert search.username_candidates("contoso") is None
    assert scim.usernames('userName co "contoso"') == _scanned(tenant, "co", "contoso")


def _plain_ids(tenant, expression, monkeypatch) -> list[str]:
    """The filter's plain condition (no index candidates, the tenant as a plain condition)."""
    with monkeypatch.context() as m:
        m.setattr(queries, "username_candidates", lambda *a, **k: None)
        m.setattr(queries, "email_candidates", lambda *a, **k: None)
        return sorted(str(i) for i in _queryset(tenant, expression).values_list("id", flat=True))


def _served_ids(tenant, expression) -> list[str]:
    node = parse_filter(expression)
    rows = queries.filter_users(ScimUser.objects.filter(deleted_at__isnull=True), tenant, node)
    return sorted(str(i) for i in rows.values_list("id", flat=True))


@pytest.mark.parametrize(
    "expression",
    [
        'userName co "contoso"',
        'userName sw "ann" and active eq true',
        'userName co "contoso" and emails co "p1@"',
        'emails co "x.example" and userName ew ".example"',
        'userName eq "ANN.LEE@contoso.example"',
        'userName co "ann" or userName co "niko"',
        'userName co "contoso" and not (userName co "ann")',
        'emails[type eq "work" and value co "p2@x"]',
        'emails sw "p3@" and externalId eq "nikoς"',
    ],
)
def test_a_filter_served_by_an_index_finds_exactly_what_its_plain_condition_finds(
    tenant, people, expression, monkeypatch
):
    other = tenancy.create_tenant("Other", actor_label="test")
    other_scim = ScimClient(other, create_token(other, name="Okta", actor_label="test")[0])
    assert other_scim.post("/Users", entra_user("ann.other@contoso.example")).status_code == 201
    assert _served_ids(tenant, expression) == _plain_ids(tenant, expression, monkeypatch)


def test_a_plain_and_with_a_substring_filter_is_driven_by_the_index_not_the_tenants_list(
    tenant, people
):
    """SQLite without statistics walks the (tenant, created_at, id) index unless it cannot use it."""
    node = parse_filter('userName co "contoso" and active eq true')
    rows = queries.filter_users(ScimUser.objects.filter(deleted_at__isnull=True), tenant, node)
    page = rows.order_by("created_at", "id").values_list("id", flat=True)[:100]
    for plan in (_plan(rows), _plan(page)):
        if connection.vendor == "sqlite":
            assert search.FTS_TABLE in plan, plan
            assert "scim_scimus_tenant" not in plan, plan
        else:
            assert search.PG_INDEXES["username_lower"] in plan, plan


def test_with_or_the_tenant_condition_stays_indexed(tenant, people):
    node = parse_filter('userName co "contoso" or userName co "hellas"')
    rows = queries.filter_users(ScimUser.objects.filter(deleted_at__isnull=True), tenant, node)
    assert '+"scim_scimuser"."tenant_id"' not in str(rows.query)


@pytest.mark.parametrize(
    ("start", "count", "total", "returned"),
    [(1, 100, 6, 6), (1, 4, 6, 4), (5, 4, 6, 2), (6, 1, 6, 1), (7, 3, 6, 0), (99, 3, 6, 0)],
)
def test_the_total_stays_exact_when_a_page_that_is_not_full_gives_it(
    scim, people, start, count, total, returned
):
    body = scim.get("/Users", startIndex=start, count=count).json_body
    assert (body["totalResults"], len(body["Resources"])) == (total, returned)
    body = scim.get("/Users", filter='userName co "contoso"', startIndex=start, count=count)
    assert body.json_body["totalResults"] == 4


def test_a_selective_filter_is_one_list_query_without_a_count(scim, people):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        body = scim.get("/Users", filter='userName eq "joanne@fabrikam.example"').json_body
    assert body["totalResults"] == 1
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
