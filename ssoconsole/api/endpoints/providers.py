"""Authentication providers: create from metadata, list, read, rename or replace metadata, delete, refresh.

Tutorial step 4 ("Create Provider") through the API. Every operation needs
``identity.manage``. The services in ``ssoconsole.sso`` do the work: they
download and parse before their transaction opens, so a refused document
stores nothing, and their refusals are ``DomainError`` subclasses (the SAML
core's metadata errors arrive wrapped, with the core's stable code) that
the API renders like every other error.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from uuid import UUID

from ninja import Query
from ninja.responses import Status

from ssoconsole.accounts.roles import Capability
from ssoconsole.api.auth import access, caller_of
from ssoconsole.api.pagination import paginate
from ssoconsole.api.router import ApiRouter
from ssoconsole.api.schemas.common import ErrorResponse, PageQuery
from ssoconsole.api.schemas.providers import (
    ProviderCreate,
    ProviderOut,
    ProviderPage,
    ProviderUpdate,
    RefreshOutcomeOut,
    RefreshResultOut,
)
from ssoconsole.core.errors import DomainError
from ssoconsole.sso import errors as sso_errors
from ssoconsole.sso import providers
from ssoconsole.sso.details import provider_details
from ssoconsole.sso.errors import EntityIdWithoutMetadata, MetadataSourceConflict
from ssoconsole.sso.models import AuthProvider
from ssoconsole.sso.refresh import refresh_metadata
from ssoconsole.tenancy.services import org_tree

router = ApiRouter(tags=["identity"])
IDENTITY = Capability.IDENTITY_MANAGE


def provider_out(provider: AuthProvider) -> ProviderOut:
    """Return the provider as its details page shows it, organizations in use included."""
    return ProviderOut.model_validate(provider_details(provider))


def _page_items(tenant):
    """Present a page of providers with one org-tree query for all their orgs-in-use counts."""

    def present(rows: list[AuthProvider]) -> list[ProviderOut]:
        if not rows:
            return []
        usage = Counter(eff.provider_id for _org, _depth, eff in org_tree(tenant) if eff.uses_sso)
        items = []
        for provider in rows:
            provider.tenant = tenant  # the page's rows share it; spares a query per row
            details = provider_details(provider, with_orgs=False)
            details["orgsInUse"] = usage[provider.id]
            items.append(ProviderOut.model_validate(details))
        return items

    return present


def metadata_source_field(metadata_xml, metadata_url, *, required: bool) -> str | None:
    """Return which metadata field the request used, refusing both at once (and neither when ``required``)."""
    if metadata_xml is not None and metadata_url is not None:
        raise MetadataSourceConflict(
            "Send the metadata either as metadataXml (the document) or as metadataUrl (where to download it), "
            "not both.",
            field="metadataUrl",
        )
    if metadata_xml is None and metadata_url is None:
        if required:
            raise sso_errors.MetadataSourceRequired(
                "Send the provider's metadata: metadataXml with the federation metadata XML document, or "
                "metadataUrl with its https URL.",
                field="metadataXml",
            )
        return None
    return "metadataXml" if metadata_xml is not None else "metadataUrl"


@contextmanager
def blaming(field: str | None):
    """Name the request field a metadata refusal is about.

    The services say ``metadata`` because the console has one control for
    both sources; an API client sent exactly one of two fields, so the error
    names that one.
    """
    try:
        yield
    except DomainError as exc:
        if field and exc.field == "metadata":
            exc.field = field
        raise


@router.get("/auth-providers", response=ProviderPage, auth=access(IDENTITY))
def list_auth_providers(request, query: Query[PageQuery]):
    """List the tenant's authentication providers by display name (the order users see at sign-in)."""
    tenant = caller_of(request).tenant
    rows = AuthProvider.objects.filter(tenant=tenant).order_by("display_name", "id")
    return paginate(rows, query, _page_items(tenant))


@router.post("/auth-providers", response={201: ProviderOut}, auth=access(IDENTITY))
def create_auth_provider(request, payload: ProviderCreate):
    """Create a provider from the IdP's metadata: the XML document, or an https URL to download it from.

    The provider applies to no organization until it is assigned (`PUT /auth-providers/{id}/orgs`).
    A refused document stores nothing; the error code says why (`saml.metadata_not_xml`,
    `saml.xml_forbidden`, `saml.metadata_entity_ambiguous`, `saml.metadata_no_signing_certificate`,
    `sso.metadata_host_not_allowed`, `sso.metadata_url_not_https`, ...).
    """
    caller = caller_of(request)
    field = metadata_source_field(payload.metadata_xml, payload.metadata_url, required=True)
    with blaming(field):
        provider = providers.create_provider(
            caller.tenant,
            payload.display_name,
            metadata_xml=payload.metadata_xml,
            metadata_url=payload.metadata_url,
            entity_id=payload.entity_id,
            actor=caller.user,
            request=request,
        )
    return Status(201, provider_out(provider))


@router.get("/auth-providers/{uuid:id}", response=ProviderOut, auth=access(IDENTITY))
def get_auth_provider(request, id: UUID):
    """Return one provider: metadata, certificates with their status, last refresh, mapping, settings, orgs in use."""
    return provider_out(providers.get_provider(caller_of(request).tenant, id))


@router.patch("/auth-providers/{uuid:id}", response=ProviderOut, auth=access(IDENTITY))
def update_auth_provider(request, id: UUID, payload: ProviderUpdate):
    """Rename a provider, upload new metadata, or change its metadata URL (downloaded now); send only what changes.

    New metadata is all or nothing: a refused document leaves the provider as it was, name included.
    """
    caller = caller_of(request)
    sent = payload.model_fields_set
    field = metadata_source_field(payload.metadata_xml, payload.metadata_url, required=False)
    if "entity_id" in sent and field is None:
        raise EntityIdWithoutMetadata(
            "entityId picks an entity out of new metadata; send it together with metadataXml or metadataUrl.",
            field="entityId",
        )
    provider = providers.get_provider(caller.tenant, id)
    with blaming(field):
        providers.update_provider(
            provider,
            display_name=payload.display_name,
            metadata_xml=payload.metadata_xml,
            metadata_url=payload.metadata_url,
            entity_id=payload.entity_id,
            switch_to_file=payload.switch_to_file,
            actor=caller.user,
            request=request,
        )
    return provider_out(provider)


@router.delete(
    "/auth-providers/{uuid:id}", response={204: None, 409: ErrorResponse}, auth=access(IDENTITY)
)
def delete_auth_provider(request, id: UUID):
    """Delete a provider; refused (409 `sso.provider_in_use`, naming them) while organizations use it."""
    caller = caller_of(request)
    providers.delete_provider(
        providers.get_provider(caller.tenant, id), actor=caller.user, request=request
    )
    return Status(204, None)


@router.post("/auth-providers/{uuid:id}/refresh", response=RefreshResultOut, auth=access(IDENTITY))
def refresh_auth_provider(request, id: UUID):
    """Download the provider's metadata again now (URL metadata only).

    A failed download is an outcome, not an error: the answer is 200 with `outcome.ok` false and the
    reason, the last good metadata stays in use, and the failure is audited. Uploaded metadata gives
    `sso.refresh_not_applicable`; a refresh already running elsewhere `sso.refresh_in_progress` (409).
    """
    caller = caller_of(request)
    outcome = refresh_metadata(
        providers.get_provider(caller.tenant, id), actor=caller.user, request=request
    )
    # Read it again: a refresh that lost to a concurrent upload kept the other change.
    provider = providers.get_provider(caller.tenant, id)
    return RefreshResultOut(
        outcome=RefreshOutcomeOut(
            ok=outcome.ok,
            changed=outcome.changed,
            error_code=outcome.error_code or None,
            error_message=outcome.error_message or None,
        ),
        provider=provider_out(provider),
    )
