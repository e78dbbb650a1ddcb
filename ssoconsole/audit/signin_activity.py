"""Sign-in activity at a glance: successes and refusals per day, counted by the database.

The dashboard and each provider's page show the last 30 days of sign-ins
(``auth.signin`` audit events) as a chart. The counting happens in one
``GROUP BY day, outcome, reason`` query over the index
``audit_signin_activity_idx`` (or ``audit_provider_activity_idx`` for one
provider), which holds every column the query reads, so that a tenant with a
million audit events answers in milliseconds (benchmarks/signin_activity.py).

:func:`summarize` turns the grouped rows into the picture's terms (every day
present, the refusals stacked by their most frequent reasons, the rest as
"other") and needs no database, so the rules are tested on their own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, DateField, Func

from ssoconsole.audit.models import AuditEvent, Outcome

SIGNIN_ACTION = "auth.signin"
DAYS = 30
TOP_REASONS = 4
OTHER = ""  # the reason key of refusals outside the top reasons


@dataclass(frozen=True)
class Day:
    """One UTC day: the successful sign-ins and the refusals by reason (``OTHER`` for the rest)."""

    day: date
    successes: int
    refusals: dict[str, int]

    @property
    def refused(self) -> int:
        return sum(self.refusals.values())

    @property
    def total(self) -> int:
        return self.successes + self.refused


@dataclass(frozen=True)
class Activity:
    """The sign-ins of a period, day by day, oldest first.

    ``reasons`` lists the refusal reasons shown on their own, most frequent
    first, then ``OTHER`` when some refusals had a less frequent reason.
    """

    days: list[Day]
    reasons: list[str]
    reason_totals: dict[str, int]

    @property
    def first_day(self) -> date:
        return self.days[0].day

    @property
    def successes(self) -> int:
        return sum(d.successes for d in self.days)

    @property
    def refused(self) -> int:
        return sum(d.refused for d in self.days)


def summarize(
    rows: Iterable[tuple[date, str, str, int]],
    *,
    last_day: date,
    days: int = DAYS,
    top: int = TOP_REASONS,
) -> Activity:
    """Turn ``(day, outcome, reason, count)`` rows into every day of the period ending ``last_day``.

    Days without events count zero; rows outside the period are ignored.
    Refusals keep their reason when it is among the ``top`` most frequent of
    the period (ties broken by name, so the order is stable) and count as
    ``OTHER`` otherwise. A refusal without a reason code counts as ``OTHER``.
    """
    first_day = last_day - timedelta(days=days - 1)
    successes: Counter = Counter()
    refusals: dict[date, Counter] = {}
    by_reason: Counter = Counter()
    for day, outcome, reason, count in rows:
        if not first_day <= day <= last_day:
            continue
        if outcome == Outcome.SUCCESS:
            successes[day] += count
        else:
            refusals.setdefault(day, Counter())[reason or OTHER] += count
            by_reason[reason or OTHER] += count
    named = sorted((r for r in by_reason if r != OTHER), key=lambda r: (-by_reason[r], r))
    shown = named[:top]
    totals = {r: by_reason[r] for r in shown}
    other = sum(n for r, n in by_reason.items() if r not in totals)
    reasons = shown + ([OTHER] if other else [])
    if other:
        totals[OTHER] = other
    result = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        counted = refusals.get(day, Counter())
        per_reason = {r: counted.get(r, 0) for r in shown}
        if other:
            per_reason[OTHER] = sum(n for r, n in counted.items() if r not in shown)
        result.append(Day(day=day, successes=successes[day], refusals=per_reason))
    return Activity(days=result, reasons=reasons, reason_totals=totals)


class UTCDay(Func):
    """The UTC calendar day of a timestamp, computed by the database itself.

    Django's ``TruncDate`` calls a Python function per row on SQLite (to
    convert time zones), which costs more than the rest of the query; the
    timestamps are stored in UTC, so SQLite's own ``date()`` gives the day.
    """

    output_field = DateField()
    template = "CAST(%(expressions)s AS DATE)"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="date(%(expressions)s)", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="((%(expressions)s) AT TIME ZONE 'UTC')::date", **extra
        )


def grouped_rows(tenant_id, *, first_day: date, last_day: date, provider_id=None):
    """Return ``(day, outcome, reason, count)`` of the tenant's sign-ins, grouped by the database."""
    start = datetime.combine(first_day, time.min, tzinfo=UTC)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=UTC)
    events = AuditEvent.objects.filter(
        tenant_id=tenant_id, action=SIGNIN_ACTION, created_at__gte=start, created_at__lt=end
    )
    if provider_id is not None:
        events = events.filter(provider_id=provider_id)
    return (
        events.annotate(day=UTCDay("created_at"))
        .values_list("day", "outcome", "reason_code")
        .annotate(count=Count("*"))
        .order_by()
    )


def sign_in_activity(
    tenant_id, *, today: date, provider_id=None, days: int = DAYS, top: int = TOP_REASONS
) -> Activity:
    """Return the tenant's (or one provider's) sign-ins of the ``days`` UTC days ending ``today``."""
    first_day = today - timedelta(days=days - 1)
    rows = grouped_rows(tenant_id, first_day=first_day, last_day=today, provider_id=provider_id)
    return summarize(rows, last_day=today, days=days, top=top)
