"""Local user schemas: who keeps password sign-in under SSO, and whether they can use it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from ssoconsole.accounts.models import User
from ssoconsole.accounts.services import password_warning
from ssoconsole.api.schemas.base import ApiModel, Flag, InputModel
from ssoconsole.api.schemas.common import PageMeta, PageQuery


class LocalUserUpdate(InputModel):
    enabled: Flag = Field(
        description="`true` keeps password sign-in for this user even when their org uses SSO."
    )


class LocalUserOut(ApiModel):
    id: UUID
    username: str
    first_name: str
    last_name: str
    org_id: UUID
    org_name: str
    active: bool
    local_sign_in: bool
    has_password: bool = Field(
        description="`false`: the user cannot sign in with a password until one is set."
    )
    last_sign_in_at: datetime | None
    warning: str | None = Field(
        description="Why this local user cannot sign in yet (no password), or `null`."
    )

    @classmethod
    def of(cls, user: User) -> LocalUserOut:
        return cls(
            id=user.id,
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
            org_id=user.org_id,
            org_name=user.org.name,
            active=user.is_active,
            local_sign_in=user.local_sign_in,
            has_password=user.has_usable_password(),
            last_sign_in_at=user.last_login,
            warning=password_warning(user),
        )


class LocalUserPage(PageMeta):
    items: list[LocalUserOut]


class LocalUserListQuery(PageQuery):
    pass
