"""Organizations: the tree, renames and moves, and each org's own SSO setting."""

from __future__ import annotations

from uuid import UUID

from django.db import transaction
from ninja import Query
from ninja.responses import Status

from ssoconsole.accounts.roles import Capability
from ssoconsole.api.auth import access, caller_of
from ssoconsole.api.router import ApiRouter
from ssoconsole.api.schemas.orgs import (
    OrgCreate,
    OrgListQuery,
    OrgOut,
    OrgPage,
    OrgSsoUpdate,
    OrgUpdate,
)
from ssoconsole.core.errors import InvalidType
from ssoconsole.tenancy import services

router = ApiRouter(tags=["orgs"])


def _out(org) -> OrgOut:
    return OrgOut.of(org, services.effective_sso_of(org))


@router.get("/orgs", response=OrgPage, auth=access(Capability.ORGS_VIEW))
def list_orgs(request, query: Query[OrgListQuery]):
    """List the tenant's orgs in tree order (depth first, siblings by name), each with its effective SSO setting."""
    tenant = caller_of(request).tenant
    # One page of the tree, found by walking down the levels (each org knows its subtree's size)
    # or, with parentId, one level's page from the (parent, name) index: never the whole tree.
    start = (query.page - 1) * query.page_size
    if query.parent_id is not None:
        parent = services.get_org(tenant, query.parent_id)
        page = services.children_page(tenant, parent, start, query.page_size)
    else:
        page = services.tree_page(tenant, start, query.page_size)
    orgs = services.orgs_by_id(tenant, [e.id for e in page.entries])
    return {
        "items": [OrgOut.of(orgs[e.id], e.effective, e.depth) for e in page.entries],
        "page": query.page,
        "page_size": query.page_size,
        "total": page.total,
    }


@router.post("/orgs", response={201: OrgOut}, auth=access(Capability.ORGS_MANAGE))
def create_org(request, payload: OrgCreate):
    """Create an org under ``parentId`` (default: the top org); it inherits its SSO setting."""
    caller = caller_of(request)
    org = services.create_org(
        caller.tenant, payload.name, parent_id=payload.parent_id, actor=caller.user, request=request
    )
    return Status(201, _out(org))


@router.get("/orgs/{uuid:id}", response=OrgOut, auth=access(Capability.ORGS_VIEW))
def get_org(request, id: UUID):
    """Return one org with its effective SSO setting."""
    return _out(services.get_org(caller_of(request).tenant, id))


@router.patch("/orgs/{uuid:id}", response=OrgOut, auth=access(Capability.ORGS_MANAGE))
def update_org(request, id: UUID, payload: OrgUpdate):
    """Rename an org and/or move it under another org of the tenant (never under itself or its descendants).

    Both changes happen in one transaction: if the move is refused, the name stays too.
    """
    caller = caller_of(request)
    sent = payload.model_fields_set
    if "parent_id" in sent and payload.parent_id is None:
        raise InvalidType(
            "parentId cannot be null: every org but the top one has a parent.",
            field="parentId",
        )
    with transaction.atomic():
        org = services.get_org(caller.tenant, id)
        if "name" in sent and payload.name != org.name:
            services.rename_org(org, payload.name, actor=caller.user, request=request)
        if "parent_id" in sent and payload.parent_id != org.parent_id:
            services.move_org(org, payload.parent_id, actor=caller.user, request=request)
    return _out(org)


@router.put(
    "/orgs/{uuid:id}/sso",
    response=OrgOut,
    auth=access(Capability.ORGS_SSO),
    tags=["orgs", "identity"],
)
def set_org_sso(request, id: UUID, payload: OrgSsoUpdate):
    """Set an org's own SSO setting: ``inherit`` (not for the top org), ``provider`` with ``providerId``, or ``none``."""
    caller = caller_of(request)
    org = services.get_org(caller.tenant, id)
    services.set_org_sso(org, payload.mode, payload.provider_id, actor=caller.user, request=request)
    return _out(org)
