"""SCIM list-with-filter on a tenant of 100,000 provisioned users, against an in-memory scan.

The SCIM endpoint translates filters to indexed database queries; the peer
is what it replaces, the naive implementation that reads the tenant's users
and filters them in Python. Both run in this process on the same seeded
database; requests go through Django's test client, so the figures are
server time (view, middleware, queries, JSON), not network time.

    .venv/bin/python benchmarks/scim_filter.py                      # SQLite in a temporary directory
    .venv/bin/python benchmarks/scim_filter.py --database postgres  # PostgreSQL database "scim_filter"
    .venv/bin/python benchmarks/scim_filter.py --users 20000 --repeat 50

Each line prints the median and p95 of ``--repeat`` requests, the number of
results, and the ratio of the peer's median to ours (measured side by side
in this run, so a busy machine slows both).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

BATCH = 5000


def _setup(args) -> None:
    data = Path(tempfile.mkdtemp(prefix="scim-filter-"))
    os.environ.update(
        SSOCONSOLE_DATA_DIR=str(data),
        SSOCONSOLE_BASE_URL="http://127.0.0.1:8000",
        DJANGO_SETTINGS_MODULE="ssoconsole.settings",
        SSOCONSOLE_SECRET_KEY="scim-filter-benchmark-secret-key-not-for-production-0123456789",
    )
    os.environ.pop("REDIS_URL", None)
    if args.database == "postgres":
        import psycopg

        with psycopg.connect(f"{args.pg_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{args.pg_database}"')
        os.environ["DATABASE_URL"] = f"{args.pg_url}/{args.pg_database}"
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed(users: int):
    """One tenant with ``users`` provisioned users (console user, SCIM row, work e-mail), by bulk inserts."""
    from django.db import transaction

    from ssoconsole.accounts.models import User
    from ssoconsole.scim.models import ScimEmail, ScimUser
    from ssoconsole.tenancy import services as tenancy

    tenant = tenancy.create_tenant("SCIM benchmark", actor_label="benchmark")
    top = tenancy.top_org(tenant)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for first in range(0, users, BATCH):
        with transaction.atomic():
            rows, scim, emails = [], [], []
            for n in range(first, min(first + BATCH, users)):
                name = f"user{n:06d}@contoso.example"
                user = User(
                    id=uuid.uuid4(),
                    tenant=tenant,
                    org=top,
                    username=name,
                    email=name,
                    first_name=f"First{n}",
                    last_name=f"Last{n}",
                    password="!",
                )
                rows.append(user)
                at = start + dt.timedelta(seconds=n)
                scim.append(
                    ScimUser(
                        id=uuid.uuid4(),
                        tenant=tenant,
                        user=user,
                        external_id=f"ext-{n:06d}",
                        document={
                            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                            "emails": [{"type": "work", "value": name, "primary": True}],
                            "name": {"givenName": f"First{n}", "familyName": f"Last{n}"},
                        },
                        created_at=at,
                        updated_at=at,
                    )
                )
                emails.append(ScimEmail(scim_user=scim[-1], type="work", value=name, primary=True))
            User.objects.bulk_create(rows)
            ScimUser.objects.bulk_create(scim)
            ScimEmail.objects.bulk_create(emails)
    from ssoconsole.scim import counts

    counts.recount(tenant)  # the rows went in around scim.users: set the tenant's count
    return tenant


def _time(fn, repeat: int) -> tuple[float, float, int]:
    samples, count = [], 0
    for _ in range(repeat):
        began = time.perf_counter()
        count = fn()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return (
        statistics.median(samples),
        samples[int(len(samples) * 0.95) - 1 if len(samples) > 1 else 0],
        count,
    )


def _naive_scan(tenant, predicate):
    """The peer: read the tenant's users with their SCIM rows and filter in Python."""
    from ssoconsole.scim.models import ScimUser

    def run():
        rows = ScimUser.objects.filter(tenant=tenant, deleted_at__isnull=True).select_related(
            "user"
        )
        return sum(1 for row in rows.iterator(chunk_size=2000) if predicate(row))

    return run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--peer-repeat", type=int, default=3, help="the scan is slow; fewer runs")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--pg-database", default="scim_filter")
    args = parser.parse_args(argv)
    _setup(args)
    from django.db import connection
    from django.test import Client

    from ssoconsole.scim.tokens import create_token

    began = time.perf_counter()
    tenant = _seed(args.users)
    print(
        f"seeded {args.users} users on {connection.vendor} in {time.perf_counter() - began:.1f} s"
    )
    token = create_token(tenant, actor_label="benchmark")[0]
    client = Client(headers={"Authorization": f"Bearer {token}"})
    base = f"/scim/v2/{tenant.id}/Users"
    middle = args.users // 2
    name = f"user{middle:06d}@contoso.example"
    from ssoconsole.scim.models import ScimUser

    some_id = str(ScimUser.objects.get(user__username=name).id)
    cases = [
        (
            "userName eq",
            {"filter": f'userName eq "{name.upper()}"'},
            lambda r: r.user.username.lower() == name,
        ),
        (
            "externalId eq",
            {"filter": f'externalId eq "ext-{middle:06d}"'},
            lambda r: r.external_id == f"ext-{middle:06d}",
        ),
        (
            'emails[type eq "work"].value eq',
            {"filter": f'emails[type eq "work"].value eq "{name}"'},
            lambda r: any(
                e.get("type") == "work" and e.get("value", "").lower() == name
                for e in r.document.get("emails", [])
            ),
        ),
        ("id eq", {"filter": f'id eq "{some_id}"'}, lambda r: str(r.id) == some_id),
        (
            "unknown userName",
            {"filter": 'userName eq "nobody@contoso.example"'},
            lambda r: r.user.username == "nobody@contoso.example",
        ),
        ("page startIndex=1 count=100", {"startIndex": 1, "count": 100}, None),
        ("page startIndex=middle count=100", {"startIndex": middle, "count": 100}, None),
        ("totalResults only (count=0)", {"count": 0}, None),
    ]
    print(f"{'request':<36} {'ours p50':>9} {'p95':>8} {'rows':>5}   {'scan p50':>9}   ratio")
    for label, params, predicate in cases:

        def ours(params=params):
            response = client.get(base, params)
            assert response.status_code == 200, response.content[:300]
            return len(response.json()["Resources"])

        p50, p95, rows = _time(ours, args.repeat)
        if predicate is None:
            print(f"{label:<36} {p50:8.1f}ms {p95:7.1f}ms {rows:>5}")
            continue
        scan50, _, scanned = _time(_naive_scan(tenant, predicate), args.peer_repeat)
        assert scanned == rows, (label, scanned, rows)
        print(
            f"{label:<36} {p50:8.1f}ms {p95:7.1f}ms {rows:>5}   {scan50:8.1f}ms   {scan50 / p50:6.0f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
