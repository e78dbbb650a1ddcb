"""Time the sign-in activity chart's query on an audit log of a million events.

Seeds ``--events`` audit events (default 1,000,000) over the last year in
``--tenants`` tenants (the measured tenant holds half of them); about 40 % are
sign-ins (85 % successful, the refusals spread over eight reasons, every
SSO one through one of three providers), the rest other admin actions. Then
it times, in this process, the query the dashboard and a provider's page run
(:func:`ssoconsole.audit.signin_activity.sign_in_activity`, 30 days) against
two peers measured in the same run on the same data:

- *no covering index*: the same GROUP BY with the two indexes of migration
  audit 0002 dropped, that is the schema before it (the provider's variant
  then filters on ``data->providerId``, as the page did before the column);
- *rows to Python*: the 30 days' sign-in rows fetched and counted in Python.

    .venv/bin/python benchmarks/signin_activity.py                       # SQLite, temporary
    .venv/bin/python benchmarks/signin_activity.py --database postgres   # database "signin_activity"
    .venv/bin/python benchmarks/signin_activity.py --events 200000 --repeat 5
    .venv/bin/python benchmarks/signin_activity.py --database postgres --reuse   # keep the seed
    .venv/bin/python benchmarks/signin_activity.py --data-dir /tmp/activity --reuse   # same, SQLite

Each line is the median of ``--repeat`` runs and its ratio to the indexed
query. Seeding is the slow part (a few minutes for a million events).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

BATCH = 5000
REASONS = (
    "saml.signature_invalid",
    "sso.unknown_user",
    "saml.audience_mismatch",
    "saml.expired",
    "sso.wrong_provider",
    "saml.sha1_refused",
    "sso.user_inactive",
    "signin_failed",
)
OTHER_ACTIONS = ("user.updated", "user.created", "org.updated", "auth.signout", "agent.signed_in")


def _setup(args) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    data = (
        Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="signin-activity-"))
    )
    data.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        SSOCONSOLE_DATA_DIR=str(data),
        DJANGO_SETTINGS_MODULE="ssoconsole.settings",
        SSOCONSOLE_SECRET_KEY="signin-activity-benchmark-secret-key-not-for-production-012345",
    )
    os.environ.pop("REDIS_URL", None)
    if args.database == "postgres":
        import psycopg

        with psycopg.connect(f"{args.pg_url}/postgres", autocommit=True) as conn:
            if (
                args.reuse
                and conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [args.pg_database]
                ).fetchone()
            ):
                os.environ["DATABASE_URL"] = f"{args.pg_url}/{args.pg_database}"
                import django

                django.setup()
                return
            conn.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{args.pg_database}"')
        os.environ["DATABASE_URL"] = f"{args.pg_url}/{args.pg_database}"
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed(events: int, tenants: int):
    """Insert the audit events in batches; return the measured tenant and its providers."""
    from ssoconsole.audit.models import AuditEvent
    from ssoconsole.tenancy.models import Tenant

    created = AuditEvent._meta.get_field("created_at")
    created.auto_now_add = False  # keep the spread-out times of the seed
    owners = [Tenant.objects.create(name=f"Tenant {n}") for n in range(tenants)]
    providers = [uuid.uuid4() for _ in range(3)]
    rng = random.Random(15)
    now = dt.datetime.now(dt.UTC)
    batch = []
    for n in range(events):
        tenant = owners[0] if n % 2 == 0 else owners[1 + n % (tenants - 1)]
        at = now - dt.timedelta(seconds=rng.randrange(365 * 86400))
        event = AuditEvent(tenant=tenant, created_at=at, actor_label="someone@example.test")
        if rng.random() < 0.4:
            event.action = "auth.signin"
            via = rng.choice(providers) if rng.random() < 0.8 else None
            event.data = {"method": "saml", "providerId": str(via)} if via else {}
            event.provider_id = via
            if rng.random() < 0.15:
                event.outcome, event.reason_code = "failure", rng.choice(REASONS)
        else:
            event.action = rng.choice(OTHER_ACTIONS)
        batch.append(event)
        if len(batch) == BATCH:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)
    created.auto_now_add = True
    return owners[0], providers


def _seeded():
    """Return the measured tenant (the one with the most events) and the providers of a kept seed."""
    from django.db.models import Count

    from ssoconsole.audit.models import AuditEvent
    from ssoconsole.tenancy.models import Tenant

    counts = AuditEvent.objects.values("tenant_id").annotate(n=Count("*")).order_by("-n")
    tenant = Tenant.objects.get(id=counts[0]["tenant_id"])
    providers = list(
        AuditEvent.objects.filter(tenant=tenant, provider_id__isnull=False)
        .values_list("provider_id", flat=True)
        .distinct()
    )
    return tenant, providers


def _median_ms(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def _in_python(tenant_id, today, provider_id=None):
    """The peer that fetches the rows and counts them in Python."""
    from ssoconsole.audit.models import AuditEvent

    start = dt.datetime.combine(today - dt.timedelta(days=29), dt.time.min, tzinfo=dt.UTC)
    events = AuditEvent.objects.filter(
        tenant_id=tenant_id, action="auth.signin", created_at__gte=start
    )
    if provider_id is not None:
        events = events.filter(data__providerId=str(provider_id))
    return Counter(
        (at.date(), outcome, reason)
        for at, outcome, reason in events.values_list("created_at", "outcome", "reason_code")
    )


def _indexes(drop: bool) -> None:
    from django.db import connection

    from ssoconsole.audit.models import AuditEvent

    new = [
        i
        for i in AuditEvent._meta.indexes
        if i.name in ("audit_signin_activity_idx", "audit_provider_activity_idx")
    ]
    with connection.schema_editor() as editor:
        for index in new:
            (editor.remove_index if drop else editor.add_index)(AuditEvent, index)
    _analyze()


def _analyze() -> None:
    """Refresh statistics and PostgreSQL's visibility map, as autovacuum does in a database in use.

    Without the visibility map an index-only scan still visits the table for
    every row it reads (the state right after a bulk insert, not a steady one).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE audit_auditevent")
        else:
            cursor.execute("ANALYZE")


def _without_column(tenant_id, today, provider_id):
    """The provider's query as it had to be without the column: a JSON lookup in ``data``."""
    from django.db.models import Count

    from ssoconsole.audit.models import AuditEvent
    from ssoconsole.audit.signin_activity import UTCDay, summarize

    start = dt.datetime.combine(today - dt.timedelta(days=29), dt.time.min, tzinfo=dt.UTC)
    rows = (
        AuditEvent.objects.filter(
            tenant_id=tenant_id,
            action="auth.signin",
            created_at__gte=start,
            data__providerId=str(provider_id),
        )
        .annotate(day=UTCDay("created_at"))
        .values_list("day", "outcome", "reason_code")
        .annotate(count=Count("*"))
        .order_by()
    )
    return summarize(rows, last_day=today)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--pg-database", default="signin_activity")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep and reuse the database of a former run",
    )
    parser.add_argument("--data-dir", help="data directory (SQLite: where --reuse finds it)")
    args = parser.parse_args()
    _setup(args)
    from django.db import connection

    from ssoconsole.audit.models import AuditEvent
    from ssoconsole.audit.signin_activity import sign_in_activity

    started = time.perf_counter()
    if args.reuse and AuditEvent.objects.exists():
        tenant, providers = _seeded()
        print(f"reusing {AuditEvent.objects.count():,} audit events on {connection.vendor}")
    else:
        tenant, providers = _seed(args.events, max(2, args.tenants))
        print(
            f"seeded {args.events:,} audit events on {connection.vendor} "
            f"in {time.perf_counter() - started:.0f} s"
        )
    _analyze()
    today = dt.datetime.now(dt.UTC).date()
    lines = []

    def measure(name, fn):
        ms, result = _median_ms(fn, args.repeat)
        lines.append((name, ms))
        return result

    whole = measure("tenant, indexed GROUP BY", lambda: sign_in_activity(tenant.id, today=today))
    one = measure(
        "provider, indexed GROUP BY",
        lambda: sign_in_activity(tenant.id, today=today, provider_id=providers[0]),
    )
    measure("tenant, rows to Python", lambda: _in_python(tenant.id, today))
    _indexes(drop=True)
    measure(
        "tenant, GROUP BY without the new indexes",
        lambda: sign_in_activity(tenant.id, today=today),
    )
    measure(
        "provider, GROUP BY on data->providerId",
        lambda: _without_column(tenant.id, today, providers[0]),
    )
    _indexes(drop=False)
    print(
        f"30 days: {whole.successes:,} successful and {whole.refused:,} refused sign-ins "
        f"in the tenant, {one.successes + one.refused:,} through one provider"
    )
    base = {"tenant": lines[0][1], "provider": lines[1][1]}
    for name, ms in lines:
        ratio = ms / base[name.split(",")[0]]
        print(f"  {name:<44} {ms:9.1f} ms   {ratio:6.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
