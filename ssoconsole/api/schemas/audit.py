"""Audit event schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from ssoconsole.api.schemas.base import ApiModel
from ssoconsole.api.schemas.common import PageMeta, PageQuery
from ssoconsole.audit.models import AuditEvent


class AuditQuery(PageQuery):
    actor: str | None = Field(
        None, max_length=254, description="Username of the actor (or `cli`, `system`), any case."
    )
    action: str | None = Field(
        None,
        max_length=64,
        description="An action such as `org.created`, or a prefix ending in a dot such as `org.`.",
    )
    since: datetime | None = Field(
        None, description="Events at or after this time (ISO 8601; UTC when no offset)."
    )
    until: datetime | None = Field(
        None, description="Events before this time (ISO 8601; UTC when no offset)."
    )


class AuditEventOut(ApiModel):
    id: UUID
    created_at: datetime
    actor_id: UUID | None
    actor_label: str
    action: str
    outcome: str
    target_type: str
    target_id: str
    target_label: str
    reason_code: str
    data: dict[str, Any] = Field(
        description="Before/after values of a change, or the details of a refusal."
    )
    ip_address: str | None
    user_agent: str

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        return cls(
            id=event.id,
            created_at=event.created_at,
            actor_id=event.actor_id,
            actor_label=event.actor_label,
            action=event.action,
            outcome=event.outcome,
            target_type=event.target_type,
            target_id=event.target_id,
            target_label=event.target_label,
            reason_code=event.reason_code,
            data=event.data,
            ip_address=event.ip_address,
            user_agent=event.user_agent,
        )


class AuditEventPage(PageMeta):
    items: list[AuditEventOut]
