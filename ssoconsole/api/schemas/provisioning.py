"""Provisioning (SCIM) schemas: the tenant's rules, its Secret Tokens and its group mappings."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field, StrictInt

from ssoconsole.api.schemas.base import ApiModel, InputModel, text
from ssoconsole.scim.placement import MAX_DELAY_MINUTES


class GroupMappingOut(ApiModel):
    group_id: UUID
    group_name: str
    org_id: UUID | None = Field(description="Where the group's members are placed, or `null`.")


class ProvisioningSettingsOut(ApiModel):
    tenant_url: str = Field(description="The SCIM base URL to paste into the IdP (“Tenant URL”).")
    placement_attribute: str = Field(description="`none`, `department` or `orgName`.")
    default_org_id: UUID | None
    deactivation_delay_minutes: int
    group_mappings: list[GroupMappingOut]


class ProvisioningSettingsUpdate(InputModel):
    placement_attribute: Literal["none", "department", "orgName"] = Field(
        description="Which attribute names the user's organization (compared in any case)."
    )
    default_org_id: UUID | None = Field(
        description="Where users no other rule places go; `null` is the top organization."
    )
    deactivation_delay_minutes: StrictInt = Field(
        ge=0, le=MAX_DELAY_MINUTES, description="0 deactivates at once."
    )


class GroupOrgUpdate(InputModel):
    org_id: UUID | None = Field(
        description="The organization for the group's members; `null` unmaps."
    )


class ScimTokenCreate(InputModel):
    name: text(100, description="A label to recognise the token by.") = ""


class ScimTokenOut(ApiModel):
    id: UUID
    name: str
    prefix: str = Field(description="The token's first characters.")
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token) -> ScimTokenOut:
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            created_by=token.created_by,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )


class ScimTokenCreated(ScimTokenOut):
    token: str = Field(description="The Secret Token; shown in this response only.")
