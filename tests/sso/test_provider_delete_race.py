"""Deleting a provider and assigning it to an org cannot both succeed, even at the same moment.

Both take a lock on the provider row before they look (``providers.lock_provider``): on
PostgreSQL two threads show the second one waiting and then seeing what the first did; on
SQLite (one writer at a time, no row locks) the test checks the order instead: lock, then look.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.db.models.query import QuerySet

from ssoconsole.core.errors import NotFound
from ssoconsole.sso import errors as e
from ssoconsole.sso import providers
from ssoconsole.sso.models import AuthProvider
from ssoconsole.tenancy import services as tenancy
from ssoconsole.tenancy.models import Organization

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 0.5  # how long the second transaction must visibly wait for the first


def _in_thread(fn):
    """Run ``fn`` in a thread with its own database connection; return the thread and where its outcome goes."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = fn()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _postgres_assign_first(provider, org, admin):
    with transaction.atomic():
        tenancy.set_org_sso(org, "provider", provider.id, actor=admin)
        thread, outcome = _in_thread(
            lambda: providers.delete_provider(AuthProvider.objects.get(id=provider.id), actor=admin)
        )
        thread.join(WAIT)
        assert thread.is_alive(), (
            "the deletion must wait for the assignment's lock on the provider row"
        )
    thread.join(10)
    assert isinstance(outcome.get("error"), e.ProviderInUse), outcome
    assert AuthProvider.objects.filter(id=provider.id).exists()


def _postgres_delete_first(provider, org, admin):
    pid = provider.id  # delete() clears provider.id
    with transaction.atomic():
        providers.delete_provider(provider, actor=admin)
        thread, outcome = _in_thread(
            lambda: tenancy.set_org_sso(
                Organization.objects.get(id=org.id), "provider", pid, actor=admin
            )
        )
        thread.join(WAIT)
        assert thread.is_alive(), (
            "the assignment must wait for the deletion's lock on the provider row"
        )
    thread.join(10)
    assert (
        isinstance(outcome.get("error"), NotFound) and outcome["error"].code == "provider_not_found"
    ), outcome
    org.refresh_from_db()
    assert org.sso_provider_id is None


@pytest.fixture
def events(monkeypatch):
    """Record, in order, every ``select_for_update`` (by model) and every "which orgs use it" check."""
    seen: list = []
    original_lock = QuerySet.select_for_update

    def lock(self, *args, **kwargs):
        seen.append(("lock", self.model.__name__))
        return original_lock(self, *args, **kwargs)

    original_check = providers.orgs_using_provider

    def check(*args, **kwargs):
        seen.append(("check", "orgs"))
        return original_check(*args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", lock)
    monkeypatch.setattr(providers, "orgs_using_provider", check)
    return seen


def test_assign_then_delete_refuses_the_delete(file_provider, orgs, admin, events):
    org = orgs["test"]
    if connection.vendor == "postgresql":
        _postgres_assign_first(file_provider, org, admin)
        return
    # SQLite: the assignment locked the provider row through the registered checker ...
    tenancy.set_org_sso(org, "provider", file_provider.id, actor=admin)
    assert events == [("lock", "AuthProvider")]
    events.clear()
    # ... and the deletion locks it before it checks, so it sees the committed assignment.
    with pytest.raises(e.ProviderInUse):
        providers.delete_provider(file_provider, actor=admin)
    assert events == [("lock", "AuthProvider"), ("check", "orgs")]
    assert AuthProvider.objects.filter(id=file_provider.id).exists()


def test_delete_then_assign_refuses_the_assignment(file_provider, orgs, admin, events):
    org = orgs["test"]
    if connection.vendor == "postgresql":
        _postgres_delete_first(file_provider, org, admin)
        return
    pid = file_provider.id  # delete() clears file_provider.id
    providers.delete_provider(file_provider, actor=admin)
    assert events[:2] == [("lock", "AuthProvider"), ("check", "orgs")]
    events.clear()
    with pytest.raises(NotFound) as info:
        tenancy.set_org_sso(org, "provider", pid, actor=admin)
    assert info.value.code == "provider_not_found"
    assert events == [("lock", "AuthProvider")]  # the assignment's check is the locking read
    org.refresh_from_db()
    assert org.sso_provider_id is None


def test_deleting_a_provider_deleted_meanwhile_says_not_found(file_provider, admin):
    stale = AuthProvider.objects.get(id=file_provider.id)
    AuthProvider.objects.filter(id=file_provider.id).delete()
    with pytest.raises(e.ProviderNotFound):
        providers.delete_provider(stale, actor=admin)
