"""Verified domains: ``/domains``, add, verify (DNS TXT) and remove; identity.manage.

A verified domain's usernames can only be created in this tenant
(``ssoconsole.tenancy.domains``); every step is audited.
"""

from __future__ import annotations

from uuid import UUID

from ninja.responses import Status

from ssoconsole.accounts.roles import Capability
from ssoconsole.api.auth import access, caller_of
from ssoconsole.api.router import ApiRouter
from ssoconsole.api.schemas.domains import DomainCreate, DomainOut
from ssoconsole.tenancy import domains

router = ApiRouter(tags=["identity"])
IDENTITY = Capability.IDENTITY_MANAGE


@router.get("/domains", response=list[DomainOut], auth=access(IDENTITY))
def list_domains(request):
    """The tenant's domains, pending or verified, with the TXT record each needs."""
    return [DomainOut.of(d) for d in domains.list_domains(caller_of(request).tenant)]


@router.post("/domains", response={201: DomainOut}, auth=access(IDENTITY))
def add_domain(request, payload: DomainCreate):
    """Add a domain as pending; publish `recordValue` as a TXT record at `recordName`, then verify.

    400 `domain_invalid`, 409 `domain_already_added` or `domain_limit_reached`.
    """
    caller = caller_of(request)
    domain = domains.add_domain(caller.tenant, payload.name, actor=caller.user, request=request)
    return Status(201, DomainOut.of(domain))


@router.post("/domains/{uuid:id}/verify", response=DomainOut, auth=access(IDENTITY))
def verify_domain(request, id: UUID):
    """Look up the TXT record now; on a match the domain is verified (a verified one is re-checked).

    409 `domain_record_missing` or `domain_record_mismatch` (the message names the record to
    publish), `domain_lookup_failed`, `domain_verified_by_another_tenant`.
    """
    caller = caller_of(request)
    domain = domains.get_domain(caller.tenant, id)
    return DomainOut.of(domains.verify_domain(domain, actor=caller.user, request=request))


@router.delete("/domains/{uuid:id}", response={204: None}, auth=access(IDENTITY))
def remove_domain(request, id: UUID):
    """Remove the domain; its usernames are open to every tenant again (existing users stay)."""
    caller = caller_of(request)
    domains.remove_domain(domains.get_domain(caller.tenant, id), actor=caller.user, request=request)
    return Status(204, None)
