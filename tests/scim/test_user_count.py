"""The unfiltered list's ``totalResults`` comes from the kept count (scim.counts): it must equal the
plain count of the tenant's SCIM users after every kind of change."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connection, connections
from django.db.migrations.executor import MigrationExecutor

from ssoconsole.accounts import services as accounts
from ssoconsole.core import clock
from ssoconsole.scim import counts
from ssoconsole.scim import users as scim_users
from ssoconsole.scim.models import ScimUser, ScimUserCount
from ssoconsole.tenancy import services as tenancy

from .conftest import entra_user


def _plain(tenant) -> int:
    return ScimUser.objects.filter(tenant=tenant, deleted_at__isnull=True).count()


def _listed(scim) -> int:
    response = scim.get("/Users", count="1")
    assert response.status_code == 200, response.json_body
    return response.json_body["totalResults"]


def _check(scim, tenant, expected: int) -> None:
    assert _plain(tenant) == expected
    assert counts.live_count(tenant) == expected
    assert _listed(scim) == expected
    assert scim.get("/Users", count="0").json_body["totalResults"] == expected


@pytest.mark.django_db
def test_create_delete_deprovision_and_relink_keep_the_count_exact(scim, other_scim, tenant):
    _check(scim, tenant, 0)
    ids = [
        scim.post("/Users", entra_user(f"u{n}@contoso.example")).json_body["id"] for n in range(3)
    ]
    other_scim.post("/Users", entra_user("x@fabrikam.example"))
    _check(scim, tenant, 3)
    # Deprovisioned (active false) is still a SCIM user: listed and counted.
    assert (
        scim.patch(f"/Users/{ids[0]}", [{"op": "replace", "value": {"active": False}}]).status_code
        == 200
    )
    _check(scim, tenant, 3)
    assert scim.delete(f"/Users/{ids[1]}").status_code == 204
    _check(scim, tenant, 2)
    assert scim.delete(f"/Users/{ids[1]}").status_code == 404  # a second delete changes nothing
    _check(scim, tenant, 2)
    # A refused create (userName already provisioned) rolls its count change back with it.
    assert scim.post("/Users", entra_user("u0@contoso.example")).status_code == 409
    _check(scim, tenant, 2)
    # The deleted user's userName again: the same console user linked again, one more.
    assert scim.post("/Users", entra_user("u1@contoso.example")).status_code == 201
    _check(scim, tenant, 3)
    assert counts.live_count(other_scim.tenant) == 1


@pytest.mark.django_db
def test_a_filter_still_counts_its_rows(scim, tenant):
    for n in range(3):
        scim.post("/Users", entra_user(f"u{n}@contoso.example"))
    found = scim.get("/Users", filter='userName sw "u1"', count="1")
    assert found.json_body["totalResults"] == 1


@pytest.mark.django_db
def test_console_user_deleted_outright(scim, tenant):
    ids = [
        scim.post("/Users", entra_user(f"u{n}@contoso.example")).json_body["id"] for n in range(3)
    ]
    scim.delete(f"/Users/{ids[2]}")
    _check(scim, tenant, 2)
    # A console user deleted outright takes its SCIM user with it (ORM cascade).
    ScimUser.objects.get(id=ids[0]).user.delete()
    _check(scim, tenant, 1)
    # Deleting the one already deleted through SCIM does not count it twice.
    ScimUser.objects.get(id=ids[2]).user.delete()
    _check(scim, tenant, 1)


@pytest.mark.django_db
def test_recount_after_rows_written_around_the_orm(scim, tenant):
    scim.post("/Users", entra_user("u@contoso.example"))
    user = accounts.create_user(
        tenant, "bulk@contoso.example", org=tenancy.top_org(tenant), actor_label="test"
    )
    ScimUser.objects.bulk_create(
        [ScimUser(tenant=tenant, user=user, created_at=clock.now(), updated_at=clock.now())]
    )
    assert counts.recount(tenant) == 2 == _listed(scim)


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_all_counted(scim, tenant):
    """Creates in parallel transactions (on PostgreSQL really concurrent, the first one inserting the
    count row and the others waiting on it; on SQLite serialized, retried): none is lost."""
    workers, barrier, errors = 6, threading.Barrier(6), []

    def create(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(200):
                try:
                    scim_users.create(tenant, entra_user(f"c{n}@contoso.example"))
                    return
                except OperationalError as exc:
                    # SQLite's in-memory test database (shared cache) answers a competing writer
                    # with "table is locked" at once, rolling the whole create back: try again.
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.01)
            raise AssertionError(f"create {n} never got the database")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert _plain(tenant) == counts.live_count(tenant) == workers == _listed(scim)


@pytest.mark.django_db(transaction=True)
def test_migration_fills_the_count_and_reverses(tenant, other_tenant):
    org = tenancy.top_org(tenant)
    made = [
        accounts.create_user(tenant, f"m{n}@contoso.example", org=org, actor_label="test")
        for n in range(3)
    ]
    for n, user in enumerate(made):
        ScimUser.objects.create(
            tenant=tenant,
            user=user,
            created_at=clock.now(),
            updated_at=clock.now(),
            deleted_at=clock.now() if n == 0 else None,
        )
    ScimUserCount.objects.all().delete()
    executor = MigrationExecutor(connection)
    executor.migrate([("scim", "0003_email_search_index")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("scim", "0004_scim_user_count")])
    assert counts.live_count(tenant) == 2 == _plain(tenant)
    assert counts.live_count(other_tenant) == 0
