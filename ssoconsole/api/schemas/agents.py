"""Schemas of desktop agents: the sign-in hand-off, the agent's view of itself, and agent lists."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field, StrictInt

from ssoconsole.agents import heartbeat
from ssoconsole.agents.models import Agent
from ssoconsole.api.schemas.base import ApiModel, InputModel, text
from ssoconsole.api.schemas.common import ErrorBody, PageMeta, PageQuery


class SignInStart(InputModel):
    device_name: text(64, min_length=1) = Field(
        description="The computer's name, shown to the user on the approval page as data: one "
        "line of plain text (no control, zero-width or text-direction characters)."
    )
    platform: text(50) | None = Field(
        None, description="Operating system, e.g. `Windows 11`, `macOS 15`."
    )
    agent_version: text(50) | None = Field(None, description="The agent's version, for support.")


class SignInStarted(ApiModel):
    handoff_id: UUID = Field(description="Identifies this sign-in when polling.")
    poll_secret: str = Field(
        description="Proves the poller is the agent that started it. Keep it in memory only."
    )
    browser_url: str = Field(description="Open this in the system browser.")
    user_code: str = Field(
        description="Show it next to the tutorial's message; the browser shows it too."
    )
    expires_in: int = Field(description="Seconds until this sign-in expires.")
    interval: int = Field(description="Seconds to wait between polls of POST /api/v1/agents/token.")


class TokenPoll(InputModel):
    handoff_id: text(64, min_length=1)
    poll_secret: text(100, min_length=1)


class AgentUser(ApiModel):
    username: str
    tenant_id: UUID


class TokenIssued(ApiModel):
    status: str = Field(
        "approved", description="Always `approved` here; the other statuses come with an error."
    )
    agent_id: UUID
    agent_token: str = Field(
        description="The agent's bearer token (`ssoa_...`). Shown only in this answer."
    )
    user: AgentUser


class Heartbeat(InputModel):
    """What an agent reports about itself; every field is shown to administrators as sent."""

    state: Literal["idle", "backing_up", "paused", "error"] = Field(
        description="What the agent is doing now."
    )
    last_backup_at: datetime | None = Field(
        None,
        description="When the last backup finished, with a time zone; at most 5 minutes ahead of the server.",
    )
    last_backup_bytes: StrictInt | None = Field(
        None, ge=0, le=heartbeat.MAX_BYTES, description="Bytes the last backup sent."
    )
    message: text(heartbeat.MESSAGE_LENGTH) = Field(
        "", description="One line for the administrator, e.g. the last error."
    )


class AgentStatus(ApiModel):
    """The last heartbeat of an agent; ``null`` everywhere until its first one."""

    reported_at: datetime | None = Field(description="When the last heartbeat arrived.")
    state: str = Field(
        description="`idle`, `backing_up`, `paused` or `error`; empty before the first."
    )
    last_backup_at: datetime | None
    last_backup_bytes: int | None
    message: str

    @classmethod
    def of(cls, agent: Agent) -> AgentStatus:
        return cls(
            reported_at=agent.last_heartbeat_at,
            state=agent.last_state,
            last_backup_at=agent.last_backup_at,
            last_backup_bytes=agent.last_backup_bytes,
            message=agent.last_message,
        )


class HeartbeatAccepted(ApiModel):
    received_at: datetime
    status: AgentStatus


class AgentSelf(ApiModel):
    agent_id: UUID
    name: str
    platform: str
    agent_version: str
    created_at: datetime
    last_seen_at: datetime | None
    last_status: AgentStatus
    user: AgentUser


class AgentOut(ApiModel):
    id: UUID
    name: str
    platform: str
    agent_version: str
    user_id: UUID
    username: str
    org_id: UUID
    org_name: str
    created_at: datetime
    last_seen_at: datetime | None
    last_status: AgentStatus

    @classmethod
    def of(cls, agent: Agent) -> AgentOut:
        return cls(
            id=agent.id,
            name=agent.name,
            platform=agent.platform,
            agent_version=agent.agent_version,
            user_id=agent.user_id,
            username=agent.user.username,
            org_id=agent.user.org_id,
            org_name=agent.user.org.name,
            created_at=agent.created_at,
            last_seen_at=agent.last_seen_at,
            last_status=AgentStatus.of(agent),
        )


class AgentPage(PageMeta):
    items: list[AgentOut]


class AgentQuery(PageQuery):
    q: text(200) = Field(
        "", description="Search in device name, platform, username, user's name and organization."
    )
    silent_for_days: int | None = Field(
        None,
        ge=1,
        le=3650,
        description="Only agents not heard from for at least this many days (never, counting from their sign-in).",
    )


class TokenRefused(ApiModel):
    """A poll that yields no token: the hand-off's status next to the usual error body."""

    status: str = Field(
        description="`pending`, `slow_down`, `denied`, `expired`, `used` or `unknown`."
    )
    error: ErrorBody


class SignInPolicy(ApiModel):
    allowed_networks: list[str] = Field(
        description="CIDR ranges agent sign-ins may start from; empty: any network."
    )


class SignInPolicyUpdate(InputModel):
    allowed_networks: list[text(60)] = Field(
        max_length=50,
        description="CIDR ranges (e.g. `203.0.113.0/24`, `2001:db8::/48`); `[]` allows any network.",
    )
