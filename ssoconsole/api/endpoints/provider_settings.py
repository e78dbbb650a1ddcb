"""A provider's settings: attribute mapping, organizations in use, and the advanced SAML settings.

Tutorial steps 3 (mapping) and 6 (organizations in use) and the advanced
page "Set SAML attributes for SSO". Each write goes through the ``sso``
service that validates it and audits the values before and after.
"""

from __future__ import annotations

from uuid import UUID

from ssoconsole.accounts.roles import Capability
from ssoconsole.api.auth import access, caller_of
from ssoconsole.api.router import ApiRouter
from ssoconsole.api.schemas.provider_settings import (
    AdvancedSettingsOut,
    AdvancedSettingsUpdate,
    AttributeMappingOut,
    AttributeMappingUpdate,
    OrgsInUseOut,
    OrgsInUseUpdate,
    OrgUsageOut,
)
from ssoconsole.sso import org_usage, providers
from ssoconsole.sso.errors import MappingAttributeWithDefault
from ssoconsole.sso.models import AuthProvider

router = ApiRouter(tags=["identity"])
IDENTITY = Capability.IDENTITY_MANAGE
_MAPPING_ATTRIBUTES = {"username": "username", "first_name": "firstName", "last_name": "lastName"}


def _mapping_out(provider: AuthProvider) -> AttributeMappingOut:
    return AttributeMappingOut.model_validate(providers.mapping_snapshot(provider))


def _orgs_out(provider: AuthProvider) -> OrgsInUseOut:
    in_use = org_usage.orgs_in_use(provider)
    return OrgsInUseOut(
        org_ids=[org.id for org, direct in in_use if direct],
        count=len(in_use),
        orgs=[OrgUsageOut(id=org.id, name=org.name, direct=direct) for org, direct in in_use],
    )


def _settings_out(provider: AuthProvider) -> AdvancedSettingsOut:
    return AdvancedSettingsOut.model_validate(providers.advanced_snapshot(provider))


@router.get(
    "/auth-providers/{uuid:id}/attribute-mapping",
    response=AttributeMappingOut,
    auth=access(IDENTITY),
)
def get_attribute_mapping(request, id: UUID):
    """Return how assertions of this provider become a username, first name and last name."""
    return _mapping_out(providers.get_provider(caller_of(request).tenant, id))


@router.put(
    "/auth-providers/{uuid:id}/attribute-mapping",
    response=AttributeMappingOut,
    auth=access(IDENTITY),
)
def set_attribute_mapping(request, id: UUID, payload: AttributeMappingUpdate):
    """Set the attribute mapping: the default one, or attribute tags (`username: null` means the NameID).

    With `useDefault` true the attribute fields must be left out or `null`: the default mapping
    ignores them, and accepting them silently would hide a setting that does nothing.
    """
    caller = caller_of(request)
    if payload.use_default:
        given = [api for name, api in _MAPPING_ATTRIBUTES.items() if getattr(payload, name)]
        if given:
            raise MappingAttributeWithDefault(
                f"{given[0]} applies only with useDefault false: the default mapping takes the username from the "
                "NameID and the names from the common claims. Send useDefault false to use attribute tags, or "
                f"leave {given[0]} out.",
                field=given[0],
            )
    provider = providers.get_provider(caller.tenant, id)
    providers.set_attribute_mapping(
        provider,
        use_default=payload.use_default,
        username=payload.username,
        first_name=payload.first_name,
        last_name=payload.last_name,
        actor=caller.user,
        request=request,
    )
    return _mapping_out(provider)


@router.get("/auth-providers/{uuid:id}/orgs", response=OrgsInUseOut, auth=access(IDENTITY))
def get_orgs_in_use(request, id: UUID):
    """List the organizations that sign in with this provider, directly or by inheritance."""
    return _orgs_out(providers.get_provider(caller_of(request).tenant, id))


@router.put("/auth-providers/{uuid:id}/orgs", response=OrgsInUseOut, auth=access(IDENTITY))
def set_orgs_in_use(request, id: UUID, payload: OrgsInUseUpdate):
    """Choose the organizations that use this provider (“Organizations in use”).

    `orgIds` are exactly the orgs that name the provider themselves: orgs that named it and are
    left out go back to inheriting (the top org to password sign-in). Their child orgs that inherit
    follow them; select the top org to use the provider for everyone. `inheritOrgIds` switches
    orgs to “Inherits settings” in the same change.
    """
    caller = caller_of(request)
    provider = providers.get_provider(caller.tenant, id)
    org_usage.set_orgs_in_use(
        provider,
        payload.org_ids,
        inherit_org_ids=payload.inherit_org_ids,
        actor=caller.user,
        request=request,
    )
    return _orgs_out(provider)


@router.get(
    "/auth-providers/{uuid:id}/advanced-settings",
    response=AdvancedSettingsOut,
    auth=access(IDENTITY),
)
def get_advanced_settings(request, id: UUID):
    """Return the advanced SAML settings of a provider."""
    return _settings_out(providers.get_provider(caller_of(request).tenant, id))


@router.put(
    "/auth-providers/{uuid:id}/advanced-settings",
    response=AdvancedSettingsOut,
    auth=access(IDENTITY),
)
def set_advanced_settings(request, id: UUID, payload: AdvancedSettingsUpdate):
    """Change advanced SAML settings; settings left out keep their values.

    SHA-1 digest or signature methods are refused (`sso.sha1_not_allowed`) unless
    `insecureAllowSha1` is true in the same or an earlier change.
    """
    caller = caller_of(request)
    provider = providers.get_provider(caller.tenant, id)
    changes = {name: getattr(payload, name) for name in payload.model_fields_set}
    providers.set_advanced_settings(provider, actor=caller.user, request=request, **changes)
    return _settings_out(provider)
