"""The audit log, newest first."""

from __future__ import annotations

from datetime import UTC

from ninja import Query

from ssoconsole.accounts.roles import Capability
from ssoconsole.api.auth import access, caller_of
from ssoconsole.api.errors import InvalidRange
from ssoconsole.api.pagination import paginate
from ssoconsole.api.router import ApiRouter
from ssoconsole.api.schemas.audit import AuditEventOut, AuditEventPage, AuditQuery
from ssoconsole.audit.models import AuditEvent
from ssoconsole.core.errors import OutOfRange

router = ApiRouter(tags=["audit"])


def _aware(value, field: str):
    """Return ``value`` in UTC (naive means UTC); refuse instants that UTC cannot represent."""
    try:
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC)
    except OverflowError:
        raise OutOfRange(
            f"“{field}” is out of range; use a date between the years 1 and 9999 in UTC.",
            field=field,
        ) from None


@router.get("/audit-events", response=AuditEventPage, auth=access(Capability.AUDIT_VIEW))
def list_audit_events(request, query: Query[AuditQuery]):
    """List the tenant's audit events, filtered by actor, action and time."""
    events = AuditEvent.objects.filter(tenant=caller_of(request).tenant).order_by(
        "-created_at", "-id"
    )
    if query.actor:
        events = events.filter(actor_label__iexact=query.actor.strip())
    if query.action:
        action = query.action.strip()
        events = (
            events.filter(action__startswith=action)
            if action.endswith(".")
            else events.filter(action=action)
        )
    since = _aware(query.since, "since") if query.since else None
    until = _aware(query.until, "until") if query.until else None
    if since and until and since >= until:
        raise InvalidRange("“since” must be earlier than “until”.", field="since")
    if since:
        events = events.filter(created_at__gte=since)
    if until:
        events = events.filter(created_at__lt=until)
    return paginate(events, query, lambda rows: [AuditEventOut.of(e) for e in rows])
