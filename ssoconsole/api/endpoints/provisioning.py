"""Provisioning (SCIM): the rules that place provisioned users, and the tenant's Secret Tokens.

The SCIM endpoint itself (``/scim/v2/<tenantId>/``) is not part of this API:
it speaks SCIM, with its own tokens. Everything here needs identity.manage.
"""

from __future__ import annotations

from uuid import UUID

from ninja.responses import Status

from ssoconsole.accounts.roles import Capability
from ssoconsole.api.auth import access, caller_of
from ssoconsole.api.router import ApiRouter
from ssoconsole.api.schemas.provisioning import (
    GroupMappingOut,
    GroupOrgUpdate,
    ProvisioningSettingsOut,
    ProvisioningSettingsUpdate,
    ScimTokenCreate,
    ScimTokenCreated,
    ScimTokenOut,
)
from ssoconsole.scim import placement
from ssoconsole.scim.schema import base_url
from ssoconsole.scim.tokens import create_token, get_token, revoke_token, tokens_of

router = ApiRouter(tags=["provisioning"])
IDENTITY = Capability.IDENTITY_MANAGE


def _settings(tenant) -> ProvisioningSettingsOut:
    rules = placement.settings_of(tenant)
    return ProvisioningSettingsOut(
        tenant_url=base_url(tenant.id),
        placement_attribute=rules.placement_attribute,
        default_org_id=rules.default_org_id,
        deactivation_delay_minutes=rules.deactivation_delay_minutes,
        group_mappings=[
            GroupMappingOut(group_id=m.group_id, group_name=m.group.display_name, org_id=m.org_id)
            for m in placement.group_mappings(tenant)
        ],
    )


@router.get("/provisioning/settings", response=ProvisioningSettingsOut, auth=access(IDENTITY))
def get_provisioning_settings(request):
    """The Tenant URL and the placement rules of provisioned users."""
    return _settings(caller_of(request).tenant)


@router.put("/provisioning/settings", response=ProvisioningSettingsOut, auth=access(IDENTITY))
def put_provisioning_settings(request, payload: ProvisioningSettingsUpdate):
    """Change the placement attribute, the default organization and the deprovisioning delay (audited)."""
    caller = caller_of(request)
    placement.update_rules(
        caller.tenant,
        placement_attribute=payload.placement_attribute,
        default_org_id=payload.default_org_id,
        deactivation_delay_minutes=payload.deactivation_delay_minutes,
        actor=caller.user,
        request=request,
    )
    return _settings(caller.tenant)


@router.put(
    "/provisioning/groups/{uuid:id}/org", response=ProvisioningSettingsOut, auth=access(IDENTITY)
)
def put_group_org(request, id: UUID, payload: GroupOrgUpdate):
    """Place the members of a provisioned group in an organization (`orgId` null removes the mapping)."""
    caller = caller_of(request)
    placement.map_group(caller.tenant, id, payload.org_id, actor=caller.user, request=request)
    return _settings(caller.tenant)


@router.get("/provisioning/tokens", response=list[ScimTokenOut], auth=access(IDENTITY))
def list_scim_tokens(request):
    """The tenant's SCIM Secret Tokens, valid ones first (never the secret itself)."""
    return [ScimTokenOut.of(t) for t in tokens_of(caller_of(request).tenant)[:100]]


@router.post("/provisioning/tokens", response={201: ScimTokenCreated}, auth=access(IDENTITY))
def create_scim_token(request, payload: ScimTokenCreate):
    """Create a Secret Token for the IdP; the response is the only time it is shown."""
    caller = caller_of(request)
    raw, token = create_token(caller.tenant, name=payload.name, actor=caller.user, request=request)
    return Status(
        201, ScimTokenCreated(**ScimTokenOut.of(token).model_dump(by_alias=False), token=raw)
    )


@router.delete("/provisioning/tokens/{uuid:id}", response={204: None}, auth=access(IDENTITY))
def revoke_scim_token(request, id: UUID):
    """Revoke a Secret Token; the IdP's next request with it is refused."""
    caller = caller_of(request)
    revoke_token(get_token(caller.tenant, id), actor=caller.user, request=request)
    return Status(204, None)
