"""``emails co/sw/ew`` are served by a substring index on the e-mail rows, with the same results.

The filter compares the lower-cased ``ScimEmail.value`` with ``LIKE``: read for
every e-mail row before. ``scim.email_search`` adds an FTS5 trigram table
(SQLite, kept by triggers) or a pg_trgm index (PostgreSQL); the condition
still decides. Results are checked against the plain condition, plans with
``EXPLAIN``.
"""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from ssoconsole.scim import queries
from ssoconsole.scim.email_search import EMAIL_INDEX, email_candidates
from ssoconsole.scim.filters import parse_filter
from ssoconsole.scim.models import ScimEmail, ScimUser

from .conftest import entra_user

pytestmark = pytest.mark.django_db

ADDRESSES = {
    "ann@contoso.example": ["Ann.Lee@Contoso.example", "ann@home.example"],
    "niko@hellas.example": ["niko@hellas.example", "Nikos@ΕΛΛΑΣ.example"],
    "élodie@contoso.example": ["Elodie.Martin@Contoso.example", "elodie@École.example"],
    "bob@contoso.example": ["bob_100%@contoso.example", "b@x.example"],
}


@pytest.fixture
def people(scim):
    ids = {}
    for name, emails in ADDRESSES.items():
        body = entra_user(
            name,
            emails=[
                {"type": "work" if i == 0 else "home", "value": v, "primary": i == 0}
                for i, v in enumerate(emails)
            ],
        )
        response = scim.post("/Users", body)
        assert response.status_code == 201, response.json_body
        ids[name] = response.json_body["id"]
    return ids


def _plain(tenant, op, value) -> list[str]:
    """What the plain condition finds: users with an e-mail row containing the lower-cased value."""
    lookup = {"co": "contains", "sw": "startswith", "ew": "endswith"}[op]
    rows = ScimEmail.objects.filter(**{f"value__{lookup}": value.lower()})
    return sorted(
        ScimUser.objects.filter(tenant=tenant, id__in=rows.values("scim_user_id")).values_list(
            "user__username", flat=True
        )
    )


@pytest.mark.parametrize(
    ("op", "value"),
    [
        ("co", "CONTOSO"),
        ("co", "home.ex"),  # a second address, not the console user's e-mail
        ("co", "s@ελλας"),  # Greek (final sigma), stored lower-cased by Python
        ("co", "ΕΛΛΑΣ.EX"),
        ("co", "@ÉCOLE"),
        ("co", "100%"),
        ("co", "_10"),
        ("sw", "ann"),
        ("ew", "@x.example"),
        ("co", "nobody"),
        ("co", "an"),  # shorter than a trigram: the plain condition
    ],
)
def test_email_substring_filters_find_what_the_plain_condition_finds(
    scim, tenant, people, op, value
):
    assert scim.usernames(f'emails {op} "{value}"') == _plain(tenant, op, value)
    assert scim.usernames(f'emails.value {op} "{value}"') == _plain(tenant, op, value)


def test_an_email_value_path_with_a_substring_keeps_its_type_condition(scim, tenant, people):
    assert scim.usernames('emails[type eq "home" and value co "x.example"]') == [
        "bob@contoso.example"
    ]
    assert scim.usernames('emails[type eq "work" and value co "x.example"]') == []
    assert scim.usernames('not (emails co "contoso")') == ["niko@hellas.example"]
    assert scim.usernames('emails co "contoso" and emails co "école"') == ["élodie@contoso.example"]


def test_the_email_substring_filter_is_served_by_the_email_index(tenant, people):
    node = parse_filter('emails co "contoso"')
    rows = queries.filter_users(ScimUser.objects.filter(deleted_at__isnull=True), tenant, node)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # On a handful of rows PostgreSQL walks the tenant and looks each user's rows up; taking
            # those lookups away shows which index serves the condition.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_nestloop = off")
    plan = rows.explain()
    assert EMAIL_INDEX.name in plan, plan
    if connection.vendor == "sqlite":
        assert "scim_scimus_tenant" not in plan, plan  # the candidates drive, not the tenant


def test_the_email_index_follows_replaced_and_deleted_addresses(scim, tenant, people):
    user_id = people["ann@contoso.example"]
    body = entra_user(
        "ann@contoso.example", emails=[{"type": "work", "value": "ann@newco.example"}]
    )
    assert scim.put(f"/Users/{user_id}", body).status_code == 200
    assert scim.usernames('emails co "home.ex"') == []
    assert scim.usernames('emails co "newco"') == ["ann@contoso.example"]
    ScimEmail.objects.filter(value="ann@newco.example").update(value="ann@renamed.example")
    assert scim.usernames('emails co "renamed"') == ["ann@contoso.example"]
    assert scim.usernames('emails co "newco"') == []
    ScimEmail.objects.filter(value="ann@renamed.example").delete()
    assert scim.usernames('emails co "renamed"') == []


def test_the_email_index_migration_indexes_existing_rows_and_reverses(scim, tenant, people):
    migration = importlib.import_module("ssoconsole.scim.migrations.0003_email_search_index")

    class Editor:
        connection = connection

    migration.drop(None, Editor())
    assert email_candidates("contoso") is None or connection.vendor != "sqlite"
    assert scim.usernames('emails co "contoso"') == _plain(tenant, "co", "contoso")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # CREATE INDEX refuses pending deferred checks
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    migration.create(None, Editor())
    assert EMAIL_INDEX.ensure().endswith("in place")
    if connection.vendor == "sqlite":
        assert email_candidates("contoso") is not None
    assert scim.usernames('emails co "contoso"') == _plain(tenant, "co", "contoso")


def test_an_email_substring_matching_very_many_rows_uses_the_plain_condition(
    scim, tenant, people, monkeypatch
):
    from ssoconsole.core import trigram

    monkeypatch.setattr(trigram, "CANDIDATES_MAX", 0)  # any candidate is one too many
    assert email_candidates("contoso") is None
    assert scim.usernames('emails co "contoso"') == _plain(tenant, "co", "contoso")
