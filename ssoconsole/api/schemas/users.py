"""User schemas."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from ssoconsole.accounts.models import User
from ssoconsole.accounts.roles import Role
from ssoconsole.accounts.services import NAME_MAX, USERNAME_MAX
from ssoconsole.api.schemas.base import ApiModel, Flag, InputModel, text
from ssoconsole.api.schemas.common import PageMeta, PageQuery

Username = text(
    USERNAME_MAX,
    min_length=1,
    description="Unique in the deployment, compared without regard to case.",
)
PersonName = text(NAME_MAX)
Email = text(254)
Password = text(
    1024, description="At least 12 characters; omit for users who sign in with SSO only."
)


class UserCreate(InputModel):
    username: Username
    org_id: UUID
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    email: Email | None = None
    roles: list[Role] | None = Field(
        None, max_length=len(Role.values), description='Default: `["user"]`.'
    )
    password: Password | None = None


class UserUpdate(InputModel):
    """Change a user; send only the fields that change (``null`` clears a name or the email)."""

    username: Username = None
    org_id: UUID = None
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    email: Email | None = None
    roles: list[Role] = Field(None, max_length=len(Role.values))
    local_sign_in: Flag = Field(
        None, description="Keep password sign-in even when the user's org uses SSO."
    )
    password: Password = None


class UserListQuery(PageQuery):
    username: str | None = Field(
        None,
        max_length=USERNAME_MAX,
        description="Exact username, compared without regard to case.",
    )
    org_id: UUID | None = None
    q: str | None = Field(
        None,
        max_length=200,
        description="Search: 3 or more characters match part of the username, first name, last "
        "name or email, in any case (served by an index); 1 or 2 characters match the beginning "
        "of the username only.",
    )
    active: bool | None = None
    role: Role | None = Field(None, description="Only users who hold this role.")


class UserOut(ApiModel):
    id: UUID
    username: str
    first_name: str
    last_name: str
    email: str
    org_id: UUID
    roles: list[Role]
    active: bool
    local_sign_in: bool
    created_at: datetime
    updated_at: datetime
    deactivated_at: datetime | None

    @classmethod
    def of(cls, user: User, roles: list[str] | None = None) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
            email=user.email,
            org_id=user.org_id,
            roles=roles if roles is not None else user.role_names,
            active=user.is_active,
            local_sign_in=user.local_sign_in,
            created_at=user.created_at,
            updated_at=user.updated_at,
            deactivated_at=user.deactivated_at,
        )


class UserPage(PageMeta):
    total: int = Field(
        description="Number of matching users, counted up to 10,000: when more match, `total` is "
        "10,000 and `totalIsExact` is false. Pages beyond the 10,000th user are served as usual; "
        "page until a page holds fewer than `pageSize` items, or narrow the search."
    )
    total_is_exact: bool = Field(
        True,
        description="False when more than 10,000 users match and `total` stops at 10,000.",
    )
    items: list[UserOut]
