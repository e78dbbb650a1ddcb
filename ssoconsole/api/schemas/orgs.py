"""Organization schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from ssoconsole.api.schemas.base import ApiModel, InputModel, text
from ssoconsole.api.schemas.common import PageMeta, PageQuery
from ssoconsole.tenancy.inheritance import EffectiveSSO
from ssoconsole.tenancy.models import Organization
from ssoconsole.tenancy.services import MAX_NAME

OrgName = text(
    MAX_NAME, min_length=1, description="Display name, unique (in any case) among its siblings."
)


class OrgCreate(InputModel):
    name: OrgName
    parent_id: UUID | None = Field(None, description="The parent org; default: the top org.")


class OrgUpdate(InputModel):
    """Rename (``name``) and/or move (``parentId``) an org; send only what changes."""

    name: OrgName = None
    parent_id: UUID = Field(
        None, description="The new parent; never the org itself or one inside it."
    )


class OrgSsoUpdate(InputModel):
    mode: Literal["inherit", "provider", "none"] = Field(
        description="`inherit` the parent's effective setting, sign in with a `provider`, or `none` (password sign-in)."
    )
    provider_id: UUID | None = Field(
        None, description="The authentication provider; required with mode `provider` only."
    )


class OrgListQuery(PageQuery):
    parent_id: UUID | None = Field(None, description="Only the direct children of this org.")


class EffectiveSsoOut(ApiModel):
    mode: Literal["provider", "none"]
    provider_id: UUID | None
    source_org_id: UUID = Field(
        description="The org whose own setting this is (the org itself unless it inherits)."
    )

    @classmethod
    def of(cls, effective: EffectiveSSO) -> EffectiveSsoOut:
        return cls(
            mode=effective.mode,
            provider_id=effective.provider_id,
            source_org_id=effective.source_org_id,
        )


class OrgOut(ApiModel):
    id: UUID
    name: str
    parent_id: UUID | None = Field(description="`null` for the top org.")
    sso_mode: Literal["inherit", "provider", "none"] = Field(description="The org's own setting.")
    provider_id: UUID | None
    effective_sso: EffectiveSsoOut = Field(
        description="What sign-in actually uses, after inheritance."
    )
    depth: int | None = Field(
        None, description="Distance from the top org; given in lists, which are in tree order."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, org: Organization, effective: EffectiveSSO, depth: int | None = None) -> OrgOut:
        return cls(
            id=org.id,
            name=org.name,
            parent_id=org.parent_id,
            sso_mode=org.sso_mode,
            provider_id=org.sso_provider_id,
            effective_sso=EffectiveSsoOut.of(effective),
            depth=depth,
            created_at=org.created_at,
            updated_at=org.updated_at,
        )


class OrgPage(PageMeta):
    items: list[OrgOut]
