"""An agent's heartbeat: the few status fields it reports, so the console can show that it works.

The tutorial promises that agents "continue to back up" after the user loses
access at the identity provider; the heartbeat is how an administrator sees
it: last contact and last reported status per device, and which devices have
gone quiet. The fields are few and bounded (docs/agents.md, "Heartbeat"):
they are shown to administrators, and the agent, not the administrator,
chooses their values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ssoconsole.accounts import throttle
from ssoconsole.agents import errors
from ssoconsole.agents.errors import InvalidTime, TimeInFuture
from ssoconsole.agents.models import Agent, AgentState
from ssoconsole.core import clock
from ssoconsole.core.errors import InvalidChoice, OutOfRange

# A heartbeat a minute is what the reference agent sends; 60 in 5 minutes leaves room for
# restarts and short test intervals while keeping one agent from turning into a write flood.
HEARTBEAT_RULE = throttle.Rule(
    "agent-heartbeat", limit=60, window_seconds=5 * 60, what="from this agent"
)
# Agents' clocks drift; a backup time further ahead than this is a broken clock, not a backup.
FUTURE_LEEWAY = timedelta(minutes=5)
MAX_BYTES = 2**53 - 1  # the largest integer every JSON reader keeps exactly
MESSAGE_LENGTH = 200


@dataclass(frozen=True)
class Report:
    """One heartbeat's fields, as the API received them (already type- and length-checked)."""

    state: str
    last_backup_at: datetime | None = None
    last_backup_bytes: int | None = None
    message: str = ""


def record_heartbeat(agent: Agent, report: Report, *, now: datetime | None = None) -> Agent:
    """Store ``report`` as ``agent``'s last status and mark the agent seen now.

    Raises ``HeartbeatTooFrequent`` past the rule's limit (the count is per agent
    and shared by every server process through the cache) and ``ValidationFailed``
    for a value outside its bounds.
    """
    now = now or clock.now()
    key = str(agent.id)
    wait = throttle.retry_after(HEARTBEAT_RULE, key)
    if wait:
        rule = throttle.effective(HEARTBEAT_RULE)
        raise errors.HeartbeatTooFrequent(rule.limit, rule.window_seconds, wait)
    fields = _checked(report, now)
    throttle.record_failure(HEARTBEAT_RULE, key)  # counts every heartbeat, like agent starts
    Agent.objects.filter(id=agent.id).update(last_seen_at=now, last_heartbeat_at=now, **fields)
    for name, value in {"last_seen_at": now, "last_heartbeat_at": now, **fields}.items():
        setattr(agent, name, value)
    return agent


def _checked(report: Report, now: datetime) -> dict:
    if report.state not in AgentState.values:
        raise InvalidChoice(f"state is one of {', '.join(AgentState.values)}.", field="state")
    if report.last_backup_at is not None:
        if report.last_backup_at.tzinfo is None:
            raise InvalidTime(
                "lastBackupAt needs a time zone, e.g. 2026-12-04T17:30:00Z.",
                field="lastBackupAt",
            )
        if report.last_backup_at > now + FUTURE_LEEWAY:
            raise TimeInFuture(
                "lastBackupAt is in the future: check the computer's clock.",
                field="lastBackupAt",
            )
    if report.last_backup_bytes is not None and not 0 <= report.last_backup_bytes <= MAX_BYTES:
        raise OutOfRange(
            f"lastBackupBytes is a whole number from 0 to {MAX_BYTES}.",
            field="lastBackupBytes",
        )
    # One line of printable text: it is shown in a table cell and a tooltip.
    message = " ".join("".join(c if c.isprintable() else " " for c in report.message).split())
    return {
        "last_state": report.state,
        "last_backup_at": report.last_backup_at,
        "last_backup_bytes": report.last_backup_bytes,
        "last_message": message[:MESSAGE_LENGTH],
    }
