"""Schemas of the signed-in caller: who they are, their tenant's SP details, their API tokens."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field, StrictInt

from ssoconsole.accounts.models import ApiToken
from ssoconsole.accounts.roles import Capability, Role
from ssoconsole.api.schemas.base import ApiModel, InputModel, text
from ssoconsole.api.schemas.common import PageMeta


class MeOut(ApiModel):
    id: UUID
    username: str
    first_name: str
    last_name: str
    email: str
    tenant_id: UUID
    org_id: UUID
    roles: list[Role]
    capabilities: list[Capability] = Field(
        description="What the roles allow; the console and scripts can hide what is not allowed."
    )


class ServiceProviderOut(ApiModel):
    """The values an administrator enters at the identity provider (tutorial step 2)."""

    entity_id: str = Field(description="The SP entity ID (Identifier), an absolute URL.")
    acs_url: str = Field(description="Assertion Consumer Service (Reply URL), HTTP-POST binding.")
    login_url: str = Field(description="Sign-on URL: where users start (SP-initiated only).")
    metadata_url: str = Field(description="SAML 2.0 service-provider metadata XML.")


class ApiTokenCreate(InputModel):
    name: text(100) = Field(
        "", description="A label to recognise the token by, e.g. the script that uses it."
    )
    expires_in_days: StrictInt | None = Field(
        None,
        ge=1,
        le=3650,
        description="Days until the token stops working by itself; default: until revoked.",
    )


class ApiTokenOut(ApiModel):
    id: UUID
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it.")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> ApiTokenOut:
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            expires_at=token.expires_at,
        )


class ApiTokenCreated(ApiTokenOut):
    token: str = Field(description="The bearer token. Shown only in this response: store it now.")


class ApiTokenPage(PageMeta):
    items: list[ApiTokenOut]
