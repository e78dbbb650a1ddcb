"""Sign-in activity per day: what the database groups and how the days and reasons are summarized."""

from __future__ import annotations

import importlib
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps import apps

from ssoconsole.audit.log import provider_id_of, record
from ssoconsole.audit.models import AuditEvent, Outcome
from ssoconsole.audit.signin_activity import OTHER, grouped_rows, sign_in_activity, summarize

TODAY = date(2026, 12, 4)


def rows(*items):
    return [(TODAY - timedelta(days=ago), outcome, reason, n) for ago, outcome, reason, n in items]


def test_every_day_of_the_period_is_present_oldest_first_with_zeros_where_nothing_happened():
    activity = summarize(rows((0, "success", "", 3), (29, "success", "", 1)), last_day=TODAY)
    assert [d.day for d in activity.days] == [TODAY - timedelta(days=29 - i) for i in range(30)]
    assert [d.successes for d in activity.days] == [1] + [0] * 28 + [3]
    assert activity.successes == 4 and activity.refused == 0 and activity.reasons == []


def test_rows_outside_the_period_are_left_out():
    activity = summarize(
        rows((30, "success", "", 5), (-1, "failure", "sso.unknown_user", 2)), last_day=TODAY
    )
    assert activity.successes == 0 and activity.refused == 0


def test_refusals_are_stacked_by_their_most_frequent_reasons_and_the_rest_is_other():
    activity = summarize(
        rows(
            (0, "failure", "a.first", 9),
            (1, "failure", "b.second", 5),
            (2, "failure", "c.tied", 2),
            (3, "failure", "d.tied", 2),
            (4, "failure", "e.rare", 1),
            (4, "failure", "", 1),
        ),
        last_day=TODAY,
        top=3,
    )
    # Ties keep a stable order (by name); the fourth and later reasons, and no reason, are "other".
    assert activity.reasons == ["a.first", "b.second", "c.tied", OTHER]
    assert activity.reason_totals == {"a.first": 9, "b.second": 5, "c.tied": 2, OTHER: 4}
    assert activity.days[-5].refusals == {"a.first": 0, "b.second": 0, "c.tied": 0, OTHER: 2}
    assert activity.days[-1].refused == 9 and activity.days[-1].total == 9
    assert activity.refused == 20


def test_without_rare_reasons_there_is_no_other_series():
    activity = summarize(rows((0, "failure", "sso.unknown_user", 2)), last_day=TODAY)
    assert activity.reasons == ["sso.unknown_user"] and OTHER not in activity.days[0].refusals


def test_a_provider_id_in_the_event_data_is_stored_in_its_indexed_column(tenant):
    provider_id = uuid.uuid4()
    event = record("auth.signin", tenant=tenant, data={"providerId": str(provider_id)})
    assert AuditEvent.objects.get(id=event.id).provider_id == provider_id
    assert provider_id_of({"providerId": "not-a-uuid"}) is None
    assert provider_id_of({"providerId": None}) is None and provider_id_of(None) is None


def _signin(tenant, at, *, outcome=Outcome.SUCCESS, reason="", provider_id=None, action=None):
    data = {"providerId": str(provider_id)} if provider_id else {}
    event = record(
        action or "auth.signin", tenant=tenant, outcome=outcome, reason_code=reason, data=data
    )
    AuditEvent.objects.filter(id=event.id).update(created_at=at)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.mark.django_db
def test_the_database_counts_sign_ins_per_utc_day_for_one_tenant_only(tenant, other_tenant):
    yesterday = TODAY - timedelta(days=1)
    _signin(tenant, _at(yesterday, 0, 0))
    _signin(tenant, _at(yesterday, 23, 59))
    _signin(tenant, _at(TODAY, 0, 0))
    _signin(tenant, _at(TODAY, 12), outcome=Outcome.FAILURE, reason="saml.signature_invalid")
    _signin(tenant, _at(TODAY, 13), outcome=Outcome.FAILURE, reason="saml.signature_invalid")
    _signin(tenant, _at(TODAY - timedelta(days=30), 12))  # before the 30 days
    _signin(tenant, _at(TODAY, 9), action="auth.signout")  # not a sign-in
    _signin(other_tenant, _at(TODAY, 9))  # another tenant's
    counted = sorted(grouped_rows(tenant.id, first_day=TODAY - timedelta(days=29), last_day=TODAY))
    assert counted == [
        (yesterday, "success", "", 2),
        (TODAY, "failure", "saml.signature_invalid", 2),
        (TODAY, "success", "", 1),
    ]


@pytest.mark.django_db
def test_one_providers_activity_counts_only_sign_ins_through_it(tenant):
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    _signin(tenant, _at(TODAY, 8), provider_id=mine)
    _signin(tenant, _at(TODAY, 9), provider_id=mine, outcome=Outcome.FAILURE, reason="x.y")
    _signin(tenant, _at(TODAY, 10), provider_id=theirs)
    _signin(tenant, _at(TODAY, 11))  # a password sign-in
    activity = sign_in_activity(tenant.id, today=TODAY, provider_id=mine)
    assert (activity.successes, activity.refused, activity.reasons) == (1, 1, ["x.y"])
    everything = sign_in_activity(tenant.id, today=TODAY)
    assert (everything.successes, everything.refused) == (3, 1)


@pytest.mark.django_db
def test_the_migration_gives_existing_sign_ins_their_provider_column(tenant):
    migration = importlib.import_module("ssoconsole.audit.migrations.0002_signin_activity")
    provider_id = uuid.uuid4()
    old = record("auth.signin", tenant=tenant, data={"providerId": str(provider_id)})
    odd = record("auth.signin", tenant=tenant, data={"providerId": "not-a-uuid"})
    AuditEvent.objects.update(provider_id=None)  # as events stored before the column
    migration.copy_provider_ids(apps, None)
    assert AuditEvent.objects.get(id=old.id).provider_id == provider_id
    assert AuditEvent.objects.get(id=odd.id).provider_id is None
