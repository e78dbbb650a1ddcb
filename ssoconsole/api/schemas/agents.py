"""Schemas of desktop agents: the sign-in hand-off, the agent's view of itself, and agent lists."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from ssoconsole.agents.models import Agent
from ssoconsole.api.schemas.base import ApiModel, InputModel, text
from ssoconsole.api.schemas.common import ErrorBody, PageMeta, PageQuery


class SignInStart(InputModel):
    device_name: text(100, min_length=1) = Field(
        description="What the user sees on the approval page, e.g. the computer's name."
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


class AgentSelf(ApiModel):
    agent_id: UUID
    name: str
    platform: str
    agent_version: str
    created_at: datetime
    last_seen_at: datetime | None
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

    @classmethod
    def of(cls, agent: Agent) -> "AgentOut":
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
        )


class AgentPage(PageMeta):
    items: list[AgentOut]


class AgentQuery(PageQuery):
    q: text(200) = Field(
        "", description="Search in device name, platform, username, user's name and organization."
    )


class TokenRefused(ApiModel):
    """A poll that yields no token: the hand-off's status next to the usual error body."""

    status: str = Field(
        description="`pending`, `slow_down`, `denied`, `expired`, `used` or `unknown`."
    )
    error: ErrorBody
