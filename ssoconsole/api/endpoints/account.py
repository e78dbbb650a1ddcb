"""The caller: ``/me``, the tenant's service-provider values, and the caller's own API tokens."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from ninja import Query
from ninja.responses import Status

from ssoconsole.accounts.errors import ApiTokenNotFound
from ssoconsole.accounts.models import ApiToken
from ssoconsole.accounts.roles import capabilities_of
from ssoconsole.accounts.services import create_api_token, revoke_api_token
from ssoconsole.api.auth import access, caller_of
from ssoconsole.api.pagination import paginate
from ssoconsole.api.router import ApiRouter
from ssoconsole.api.schemas.account import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenOut,
    ApiTokenPage,
    MeOut,
    ServiceProviderOut,
)
from ssoconsole.api.schemas.common import PageQuery
from ssoconsole.core import clock
from ssoconsole.core.urls import login_url, sp_acs_url, sp_entity_id, sp_metadata_url

router = ApiRouter(tags=["account"])


@router.get("/me", response=MeOut, auth=access())
def get_me(request):
    """Return the signed-in user (bearer token or console session)."""
    user = caller_of(request).user
    roles = user.role_names
    return MeOut(
        id=user.id,
        username=user.username,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        tenant_id=user.tenant_id,
        org_id=user.org_id,
        roles=roles,
        capabilities=sorted(capabilities_of(roles)),
    )


@router.get("/service-provider", response=ServiceProviderOut, auth=access(), tags=["identity"])
def get_service_provider(request):
    """Return the tenant's service-provider values to enter at the identity provider.

    Built from the configured base URL, never from the request's Host header.
    """
    tenant_id = caller_of(request).tenant.id
    return ServiceProviderOut(
        entity_id=sp_entity_id(tenant_id),
        acs_url=sp_acs_url(tenant_id),
        login_url=login_url(),
        metadata_url=sp_metadata_url(tenant_id),
    )


def _own_tokens(request):
    return ApiToken.objects.filter(user=caller_of(request).user, revoked_at__isnull=True)


@router.get("/api-tokens", response=ApiTokenPage, auth=access(), tags=["api-tokens"])
def list_api_tokens(request, query: Query[PageQuery]):
    """List the caller's own unrevoked API tokens (never the secret itself)."""
    return paginate(_own_tokens(request), query, lambda rows: [ApiTokenOut.of(t) for t in rows])


@router.post("/api-tokens", response={201: ApiTokenCreated}, auth=access(), tags=["api-tokens"])
def create_own_api_token(request, payload: ApiTokenCreate):
    """Create an API token for the caller; the response is the only time the token is shown."""
    user = caller_of(request).user
    expires_at = (
        clock.now() + timedelta(days=payload.expires_in_days) if payload.expires_in_days else None
    )
    raw, token = create_api_token(
        user, name=payload.name, expires_at=expires_at, actor=user, request=request
    )
    return Status(
        201, ApiTokenCreated(**ApiTokenOut.of(token).model_dump(by_alias=False), token=raw)
    )


@router.delete("/api-tokens/{uuid:id}", response={204: None}, auth=access(), tags=["api-tokens"])
def revoke_own_api_token(request, id: UUID):
    """Revoke one of the caller's API tokens; it stops working at once."""
    token = _own_tokens(request).select_related("user__tenant").filter(id=id).first()
    if token is None:
        raise ApiTokenNotFound("You have no unrevoked API token with this id.")
    revoke_api_token(token, actor=caller_of(request).user, request=request)
    return Status(204, None)
