"""Housekeeping: expired sign-in rows go in the scheduler's rounds, not in sign-in requests."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from ssoconsole.accounts.models import ConsoleSession
from ssoconsole.sso import housekeeping, outstanding, scheduler
from ssoconsole.sso.signin_models import ConsumedAssertion, SignInRequest

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def _rows(tenant, provider, *, age: dt.timedelta):
    """One replay row, one sign-in request and one session that expired ``age`` before NOW."""
    ConsumedAssertion.objects.create(
        issuer="https://idp.example/",
        assertion_id=f"_a{age.total_seconds():.0f}",
        tenant=tenant,
        consumed_at=NOW - age - dt.timedelta(hours=1),
        expires_at=NOW - age,
    )
    started = outstanding.start_request(
        tenant=tenant,
        provider=provider,
        request_id=f"_r{age.total_seconds():.0f}",
        now=NOW - age - outstanding.REQUEST_LIFETIME,
    )
    ConsoleSession.objects.create(
        session_key=f"k{age.total_seconds():.0f}".ljust(32, "x"),
        session_data="",
        expire_date=NOW - age,
    )
    return started.record


@pytest.fixture
def provider(tenant):
    from tests.signin import helpers

    return helpers.make_provider(tenant)


def test_a_round_deletes_only_what_can_no_longer_be_used(tenant, provider):
    """Replay rows past NotOnOrAfter + skew, requests a day past expiry, expired sessions."""
    _rows(tenant, provider, age=dt.timedelta(days=2))
    kept = _rows(tenant, provider, age=-dt.timedelta(minutes=5))
    late = _rows(tenant, provider, age=dt.timedelta(hours=2))

    purged = housekeeping.purge_expired(now=NOW)

    assert purged == housekeeping.Purged(
        consumed_assertions=2,
        sign_in_requests=1,
        sessions=2,
        others={"old agent hand-off(s)": 0},
    )
    assert set(SignInRequest.objects.values_list("pk", flat=True)) == {kept.pk, late.pk}
    assert ConsumedAssertion.objects.count() == 1 and ConsoleSession.objects.count() == 1


@pytest.fixture
def stopped():
    scheduler.stop_scheduler()
    yield
    scheduler.stop_scheduler()


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_thread_runs_housekeeping(stopped, tenant):
    ConsumedAssertion.objects.create(
        issuer="https://idp.example/",
        assertion_id="_old",
        tenant=tenant,
        consumed_at=NOW,
        expires_at=NOW,
    )
    scheduler.start_scheduler(interval=1.0)
    deadline = time.monotonic() + 10
    while ConsumedAssertion.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not ConsumedAssertion.objects.exists()


def test_the_purge_command_says_what_it_deleted(tenant, capsys):
    from django.core.management import call_command

    ConsumedAssertion.objects.create(
        issuer="https://idp.example/",
        assertion_id="_x",
        tenant=tenant,
        consumed_at=NOW,
        expires_at=NOW,
    )
    call_command("purge-expired")
    assert "Deleted 1 expired replay-cache row(s)" in capsys.readouterr().out
    assert not ConsumedAssertion.objects.exists()
