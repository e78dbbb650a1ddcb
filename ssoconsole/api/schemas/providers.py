"""Authentication provider schemas: create, update, and the provider as the details page shows it.

The response mirrors ``ssoconsole.sso.details.provider_details`` key for key
(the console reads the same dictionary), so the API and the details page
cannot disagree about a provider; these models only give that dictionary a
documented, typed shape in the OpenAPI document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from ssoconsole.api.schemas.account import ServiceProviderOut
from ssoconsole.api.schemas.base import ApiModel, InputModel, text
from ssoconsole.api.schemas.common import PageMeta
from ssoconsole.api.schemas.provider_settings import (
    AdvancedSettingsOut,
    AttributeMappingOut,
    OrgUsageOut,
)
from ssoconsole.sso.metadata_fetch import MAX_BYTES
from ssoconsole.sso.providers import DISPLAY_NAME_MAX

DisplayName = text(
    DISPLAY_NAME_MAX,
    min_length=1,
    description="Shown to users when they choose a provider; unique in the tenant in any case.",
)
MetadataXml = text(
    MAX_BYTES,
    description="The IdP's SAML 2.0 metadata document (the federation metadata XML file), as text. At most 1 MiB.",
)
MetadataUrl = text(
    2000,
    description=(
        "An https URL on a standard IdP domain (Entra ID, Okta, Google, OneLogin, Ping, JumpCloud, Duo, Auth0). "
        "Custom domains, AD FS included, are refused: upload the file as `metadataXml` instead."
    ),
)
EntityId = text(
    1024,
    min_length=1,
    description="The entity ID to take out of an `EntitiesDescriptor` that lists several identity providers.",
)


class ProviderCreate(InputModel):
    """A new provider: a display name and exactly one of ``metadataXml`` or ``metadataUrl``."""

    display_name: DisplayName
    metadata_xml: MetadataXml | None = None
    metadata_url: MetadataUrl | None = None
    entity_id: EntityId | None = None


class ProviderUpdate(InputModel):
    """Rename a provider or replace its metadata; send only what changes.

    ``metadataXml`` replaces the metadata with an uploaded document,
    ``metadataUrl`` switches to (or changes) the URL and downloads it now.
    """

    display_name: DisplayName = None
    metadata_xml: MetadataXml = None
    metadata_url: MetadataUrl = None
    entity_id: EntityId | None = Field(
        None, description="With new metadata only: the entity to take out of an EntitiesDescriptor."
    )
    switch_to_file: bool = Field(
        False,
        description=(
            "With `metadataXml` for a provider that reads its metadata from a URL: stop the "
            "downloads for good. Without it the file is a one-time override and the URL's "
            "scheduled refresh goes on (the next good download replaces the file)."
        ),
    )


class CertificateOut(ApiModel):
    subject: str
    issuer: str
    sha256_fingerprint: str = Field(
        description="SHA-256 of the DER certificate, uppercase hex without separators."
    )
    thumbprint_sha1: str = Field(
        description=(
            "SHA-1 of the DER certificate, uppercase hex without separators: what Entra ID shows "
            "as the certificate's Thumbprint."
        )
    )
    not_before: datetime
    not_after: datetime
    status: Literal["ok", "expiring", "expired"] = Field(
        description=(
            "`expiring` within 30 days. Dates are information: an expired certificate the "
            "metadata lists is still trusted."
        )
    )
    in_use: bool | None = Field(
        description=(
            "Whether the identity provider signed its recent accepted responses with this "
            "certificate; null until a sign-in has shown which one it uses."
        )
    )
    message: str = Field(description="What the status means and what to do about it.")


class LastRefreshOut(ApiModel):
    at: datetime | None = Field(
        description="When the metadata was last read (created, uploaded or downloaded)."
    )
    result: Literal["ok", "failed"] | None
    error_code: str | None
    error_message: str | None


class ProviderOut(ApiModel):
    """One authentication provider with everything its details page shows."""

    id: UUID
    display_name: str
    entity_id: str = Field(description="The IdP's entity ID (the Issuer of its responses).")
    sso_url: str = Field(
        description="Where sign-in sends users: the HTTP-Redirect endpoint, else the HTTP-POST one."
    )
    sso_binding: str = Field(description="The SAML binding of `ssoUrl`.")
    sso_urls: dict[str, str] = Field(
        description="Every sign-in endpoint of the metadata, by binding."
    )
    certificates: list[CertificateOut] = Field(
        description="Signing certificates trusted for this provider, in metadata order."
    )
    metadata_source: Literal["url", "file"]
    metadata_url: str | None
    metadata_valid_until: datetime | None
    metadata_expired: bool = Field(
        description="The cached metadata is past its validUntil; sign-in still uses it."
    )
    name_id_formats: list[str]
    want_authn_requests_signed: bool
    last_refresh: LastRefreshOut
    next_refresh_at: datetime | None = Field(
        description="The next scheduled download (URL metadata only)."
    )
    attribute_mapping: AttributeMappingOut
    advanced_settings: AdvancedSettingsOut
    service_provider: ServiceProviderOut = Field(
        description="The tenant's values to enter at the identity provider."
    )
    created_at: datetime
    updated_at: datetime
    orgs_in_use: int | None = Field(
        None, description="How many orgs sign in with this provider, directly or by inheritance."
    )
    orgs: list[OrgUsageOut] | None = Field(None, description="Those orgs (not in lists).")


class ProviderPage(PageMeta):
    items: list[ProviderOut]


class RefreshOutcomeOut(ApiModel):
    ok: bool = Field(
        description="The download succeeded; when `false` the last good metadata stays in use."
    )
    changed: bool = Field(
        description="The trusted metadata (entity, endpoints, certificates) differs from before."
    )
    error_code: str | None
    error_message: str | None


class RefreshResultOut(ApiModel):
    outcome: RefreshOutcomeOut
    provider: ProviderOut
