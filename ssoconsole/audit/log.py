"""Recording audit events: the one function every app calls."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from ssoconsole.audit.models import AuditEvent, Outcome
from ssoconsole.core.bounds import bound_audit_data
from ssoconsole.core.prepared_insert import PreparedInsert
from ssoconsole.core.request_info import client_ip, user_agent

security_log = logging.getLogger("ssoconsole.security")

_INSERT_EVENT = PreparedInsert(AuditEvent)


def record(
    action: str,
    *,
    tenant=None,
    actor=None,
    actor_label: str | None = None,
    target=None,
    target_type: str = "",
    target_label: str = "",
    outcome: str = Outcome.SUCCESS,
    reason_code: str = "",
    data: dict[str, Any] | None = None,
    request=None,
) -> AuditEvent:
    """Store one audit event and mirror failures to the ``ssoconsole.security`` log.

    ``actor`` is a ``User`` (or ``None`` for the CLI and the system, named by
    ``actor_label``); ``target`` any model instance with an ``id``. ``data``
    is bounded (``ssoconsole.core.bounds``): refusals carry values an
    anonymous client posted, and one event must never grow with them. A
    ``providerId`` in ``data`` (the provider a sign-in went through) is also
    stored in its own indexed column.
    """
    if tenant is None and actor is not None:
        tenant = actor.tenant
    event = _INSERT_EVENT(
        AuditEvent(
            tenant=tenant,
            actor_id=getattr(actor, "id", None),
            actor_label=(actor_label or (actor.username if actor is not None else "system"))[:254],
            action=action,
            outcome=outcome,
            target_type=target_type
            or (type(target).__name__.lower() if target is not None else ""),
            target_id=str(getattr(target, "id", "") or ""),
            target_label=(target_label or (str(target) if target is not None else ""))[:254],
            reason_code=reason_code[:64],
            data=bound_audit_data(data),
            provider_id=provider_id_of(data),
            ip_address=client_ip(request) if request is not None else None,
            user_agent=user_agent(request) if request is not None else "",
        )
    )
    if outcome == Outcome.FAILURE:
        security_log.info(
            "audit action=%s tenant=%s actor=%s reason=%s",
            action,
            getattr(tenant, "id", None),
            event.actor_label,
            reason_code,
        )
    return event


def provider_id_of(data: dict[str, Any] | None) -> uuid.UUID | None:
    """Return ``data["providerId"]`` as a UUID, or ``None`` when it is absent or not a UUID."""
    value = (data or {}).get("providerId")
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return ``{"before": {...}, "after": {...}}`` limited to the keys whose value changed."""
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return {
        "before": {k: before.get(k) for k in changed},
        "after": {k: after.get(k) for k in changed},
    }
