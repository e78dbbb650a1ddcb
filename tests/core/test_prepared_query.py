"""PreparedQuery: the sign-in's hottest lookups compiled once, returning what the ORM returns."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext

from ssoconsole.accounts.backends import PasswordBackend
from ssoconsole.accounts.models import User
from ssoconsole.accounts.services import find_tenant_user_by_username, find_user_by_username
from ssoconsole.core.prepared_query import PreparedQuery, PreparedUpdate
from ssoconsole.tenancy.models import Organization
from ssoconsole.tenancy.services import create_org, create_tenant

pytestmark = pytest.mark.django_db


def _users_of_tenant(tenant_id, org_name):
    return (
        User.objects.select_related("org", "tenant")
        .annotate(folded=Lower("username"))
        .filter(tenant_id=tenant_id, org__name=org_name)
        .order_by("username")
    )


USERS_OF_TENANT = PreparedQuery(User, _users_of_tenant, uuid.UUID, str)


@pytest.fixture
def two_tenants():
    first, second = create_tenant("First"), create_tenant("Second")
    for tenant, prefix in ((first, "a"), (second, "b")):
        org = create_org(tenant, "Staff")
        for i in range(3):
            User.objects.create(tenant=tenant, org=org, username=f"{prefix}{i}@example.org")
    # An org name both tenants use: only the asked tenant's users may come back.
    User.objects.create(
        tenant=second,
        org=Organization.objects.get(tenant=second, name="Staff"),
        username="a9@example.org",
    )
    return first, second


def test_rows_equal_the_orm_querysets_rows_with_related_objects_and_annotations(two_tenants):
    first, _ = two_tenants
    expected = list(_users_of_tenant(first.id, "Staff"))
    with CaptureQueriesContext(connection) as queries:
        got = USERS_OF_TENANT(first.id, "Staff")
        related = [(u.org.name, u.tenant.name, u.folded) for u in got]
    assert len(queries) == 1  # org and tenant came with the row, as select_related promises
    assert [u.pk for u in got] == [u.pk for u in expected]
    assert related == [(u.org.name, u.tenant.name, u.username.lower()) for u in expected]
    assert all(not u._state.adding and u._state.db == "default" for u in got)


def test_each_call_uses_its_own_values_and_the_tenant_stays_in_the_where_clause(two_tenants):
    first, second = two_tenants
    assert [u.username for u in USERS_OF_TENANT(first.id, "Staff")] == [
        "a0@example.org",
        "a1@example.org",
        "a2@example.org",
    ]
    assert [u.username for u in USERS_OF_TENANT(second.id, "Staff")] == [
        "a9@example.org",
        "b0@example.org",
        "b1@example.org",
        "b2@example.org",
    ]
    assert USERS_OF_TENANT(uuid.uuid4(), "Staff") == []


def test_an_argument_of_another_type_is_refused_before_any_query():
    with pytest.raises(TypeError):
        USERS_OF_TENANT(str(uuid.uuid4()), "a")


def test_a_queryset_that_drops_an_argument_is_refused_when_prepared():
    ignores_name = PreparedQuery(
        User, lambda tenant_id, name: User.objects.filter(tenant_id=tenant_id), uuid.UUID, str
    )
    with pytest.raises(ImproperlyConfigured, match=r"arguments \[1\]"):
        ignores_name(uuid.uuid4(), "x")


def test_a_lookup_that_rewrites_its_value_is_refused_when_prepared():
    # startswith escapes the value and appends "%": the SQL's parameter is not the argument.
    by_prefix = PreparedQuery(
        User, lambda name: User.objects.filter(username__startswith=name), str
    )
    with pytest.raises(ImproperlyConfigured, match=r"arguments \[0\]"):
        by_prefix("a")


def test_an_unsupported_argument_type_is_refused_when_prepared():
    by_date = PreparedQuery(User, lambda when: User.objects.filter(created_at__gt=when), float)
    with pytest.raises(ImproperlyConfigured, match="str, int, UUID or datetime"):
        by_date(1.0)


def test_a_datetime_argument_is_compared_as_the_orm_compares_it(two_tenants):
    created = PreparedQuery(
        User,
        lambda since: User.objects.filter(created_at__gte=since).order_by("username"),
        datetime,
    )
    user = User.objects.get(username="a0@example.org")
    names = [u.username for u in created(user.created_at)]
    assert names == [u.username for u in User.objects.filter(created_at__gte=user.created_at)]
    assert "a0@example.org" in names
    assert created(user.created_at + timedelta(days=1)) == []


def test_username_lookups_keep_the_unicode_rule_and_the_tenant(two_tenants):
    first, second = two_tenants
    assert find_user_by_username("A1@EXAMPLE.ORG").username == "a1@example.org"
    assert find_tenant_user_by_username(first.id, "A1@example.org").tenant == first
    assert find_tenant_user_by_username(second.id, "a1@example.org") is None
    # U+017F folds to "s" in some case rules; it is still another name here.
    User.objects.create(
        tenant=first, org=Organization.objects.get(tenant=first, name="Staff"), username="support"
    )
    assert find_user_by_username("\u017fupport") is None


def test_a_session_naming_no_valid_user_id_is_anonymous(two_tenants):
    backend = PasswordBackend()
    assert backend.get_user("not-a-uuid") is None
    assert backend.get_user(str(uuid.uuid4())) is None
    user = User.objects.get(username="a0@example.org")
    assert backend.get_user(str(user.pk)) == user


def _rename_in_tenant(tenant_id, username, first_name):
    return (
        User.objects.filter(tenant_id=tenant_id, username=username),
        {"first_name": first_name},
    )


RENAME_IN_TENANT = PreparedUpdate(User, _rename_in_tenant, uuid.UUID, str, str)


def test_a_prepared_update_changes_only_its_tenants_rows_and_counts_them(two_tenants):
    first, second = two_tenants
    a_user = User.objects.filter(tenant=first).first()
    assert RENAME_IN_TENANT(first.id, a_user.username, "Renamed") == 1
    assert RENAME_IN_TENANT(first.id, a_user.username, "Again") == 1  # the SQL is reused
    assert RENAME_IN_TENANT(second.id, a_user.username, "Other tenant") == 0
    assert User.objects.get(pk=a_user.pk).first_name == "Again"
    assert not User.objects.filter(first_name="Other tenant").exists()


def test_a_prepared_update_runs_one_statement():
    tenant = create_tenant("One statement")
    with CaptureQueriesContext(connection) as queries:
        assert RENAME_IN_TENANT(tenant.id, "nobody", "x") == 0
    assert len(queries.captured_queries) == 1
    assert queries.captured_queries[0]["sql"].startswith("UPDATE")


def test_a_prepared_update_whose_argument_is_not_a_parameter_is_refused():
    tenant = create_tenant("Refused")
    ignoring = PreparedUpdate(
        User,
        lambda tenant_id, name: (User.objects.filter(tenant_id=tenant_id), {"first_name": "x"}),
        uuid.UUID,
        str,
    )
    with pytest.raises(ImproperlyConfigured, match="parameter"):
        ignoring(tenant.id, "unused")
    with pytest.raises(TypeError):
        RENAME_IN_TENANT(str(tenant.id), "a", "b")
