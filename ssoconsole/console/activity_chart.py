"""The sign-in activity chart: stacked bars per day, drawn on the server as SVG.

No script and no inline style: the geometry is SVG attributes and the colours
are classes of console.css, so the chart works under a strict
Content-Security-Policy. The numbers are also in a table for screen readers
(``includes/signin_activity.html``); each legend entry links to the audit log
filtered to what it counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.urls import reverse

from ssoconsole.audit.models import Outcome
from ssoconsole.audit.signin_activity import OTHER, SIGNIN_ACTION, Activity

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 34, 6, 10, 24
BAR_SHARE = 0.72  # of each day's slot; the rest is the gap between bars
OTHER_LABEL = "Other reasons"
SUCCESS_LABEL = "Successful sign-ins"


@dataclass(frozen=True)
class Series:
    """One colour of the chart: successes, one refusal reason or the other reasons."""

    key: str
    label: str
    css: str
    total: int
    audit_url: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Tick:
    """A value of the vertical axis: its grid line's height and its label's baseline."""

    line_y: float
    text_y: float
    text: str


@dataclass(frozen=True)
class Chart:
    activity: Activity
    series: list[Series]
    bars: list[Bar]
    y_ticks: list[Tick]
    x_labels: list[Label]
    summary: str
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    axis_x: int = LEFT - 6

    @property
    def table_rows(self) -> list[tuple[date, list[int], int]]:
        """Return each day with its count per series (the legend's order) and its refusals."""
        return [
            (d.day, [d.successes, *(d.refusals[r] for r in self.activity.reasons)], d.refused)
            for d in self.activity.days
        ]


def nice_ceiling(value: int) -> int:
    """Return the smallest of 4, 10, 20, 50, 100, 200, 500, ... that is at least ``value``."""
    if value <= 4:
        return 4
    step = 10
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def audit_link(*, outcome: str, reason: str | None, since: date, provider_id=None) -> str:
    """Return the audit log's address filtered to the sign-ins a legend entry counts."""
    query = {"action": SIGNIN_ACTION, "outcome": outcome, "since": since.isoformat()}
    if reason:
        query["reason"] = reason
    if provider_id is not None:
        query["provider"] = str(provider_id)
    return f"{reverse('console:audit')}?{urlencode(query)}"


def build(activity: Activity, *, provider_id=None) -> Chart:
    """Lay out ``activity`` as stacked bars: successes at the bottom, then each refusal reason."""
    since = activity.first_day
    series = [
        Series(
            "success",
            SUCCESS_LABEL,
            "series-success",
            activity.successes,
            audit_link(outcome=Outcome.SUCCESS, reason=None, since=since, provider_id=provider_id),
        )
    ]
    for n, reason in enumerate(activity.reasons):
        series.append(
            Series(
                reason,
                reason or OTHER_LABEL,
                "series-other" if reason == OTHER else f"series-{n}",
                activity.reason_totals[reason],
                audit_link(
                    outcome=Outcome.FAILURE,
                    reason=reason or None,
                    since=since,
                    provider_id=provider_id,
                ),
            )
        )
    top = nice_ceiling(max((d.total for d in activity.days), default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(activity.days)
    scale = plot_height / top
    bars = []
    for i, day in enumerate(activity.days):
        x = LEFT + i * slot + slot * (1 - BAR_SHARE) / 2
        base = HEIGHT - BOTTOM
        counts = [day.successes, *(day.refusals[r] for r in activity.reasons)]
        for s, count in zip(series, counts, strict=False):
            if not count:
                continue
            height = count * scale
            base -= height
            title = f"{day.day:%b} {day.day.day}: {count} × {s.label}"
            bars.append(Bar(_r(x), _r(base), _r(slot * BAR_SHARE), _r(height), s.css, title))
    y_ticks = [
        Tick(
            _r(HEIGHT - BOTTOM - value * scale), _r(HEIGHT - BOTTOM - value * scale + 4), str(value)
        )
        for value in (0, top // 2, top)
    ]
    x_labels = [
        Label(_r(LEFT + i * slot + slot / 2), HEIGHT - 6, f"{day.day:%b} {day.day.day}")
        for i, day in enumerate(activity.days)
        if (len(activity.days) - 1 - i) % 7 == 0  # weekly, ending on the last day
    ]
    summary = (
        f"Sign-ins per day from {activity.first_day:%b} {activity.first_day.day} "
        f"to {activity.days[-1].day:%b} {activity.days[-1].day.day}: "
        f"{activity.successes} successful, {activity.refused} refused."
    )
    return Chart(activity, series, bars, y_ticks, x_labels, summary)


def _r(value: float) -> float:
    return round(value, 1)
