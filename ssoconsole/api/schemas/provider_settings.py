"""Schemas of a provider's settings: attribute mapping, advanced SAML settings, organizations in use.

Enumerations are closed ``Literal`` types built from the model's choices, so
a misspelt algorithm URI or comparison is refused at the edge with the list
of accepted values, and the OpenAPI document lists them as ``enum``.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field, StrictInt

from ssoconsole.api.schemas.base import ApiModel, Flag, InputModel, text
from ssoconsole.sso.models import Comparison, DigestMethod, NameIDFormat, SignatureMethod
from ssoconsole.sso.providers import ATTRIBUTE_MAX, MAX_CLOCK_SKEW

Attribute = text(
    ATTRIBUTE_MAX,
    description="An attribute name or claim URI, e.g. http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name.",
)

ComparisonChoice = Literal[tuple(Comparison.values)]
DigestChoice = Literal[tuple(DigestMethod.values)]
SignatureChoice = Literal[tuple(SignatureMethod.values)]
NameIdFormatChoice = Literal[tuple(NameIDFormat.values)]

# Longest org list one request may name; far above any real tree, low enough to bound the work.
MAX_ORG_IDS = 10_000


class AttributeMappingUpdate(InputModel):
    """How assertions become usernames and names (tutorial step 3)."""

    use_default: Flag = Field(
        description="`true`: username from the NameID, names from the common claims. `false`: use the fields below."
    )
    username: Attribute | None = Field(
        None, description="The attribute holding the username; `null` means the NameID."
    )
    first_name: Attribute | None = Field(
        None, description="The attribute holding the first name; `null`: the default claims."
    )
    last_name: Attribute | None = Field(
        None, description="The attribute holding the last name; `null`: the default claims."
    )


class AttributeMappingOut(ApiModel):
    use_default: bool
    username: str | None = Field(description="`null`: the NameID.")
    first_name: str | None
    last_name: str | None


class AdvancedSettingsUpdate(InputModel):
    """Advanced SAML settings; send the ones that change, the others keep their values."""

    authn_context_class_ref: text(ATTRIBUTE_MAX) | None = Field(
        None,
        description="Authentication context class reference to request, a URI; `null`: request none (the default).",
    )
    authn_context_comparison: ComparisonChoice = Field(
        None, description="How the IdP compares the context class."
    )
    digest_method: DigestChoice = Field(
        None, description="Digest for signed AuthnRequests; SHA-1 needs insecureAllowSha1."
    )
    signature_method: SignatureChoice = Field(
        None, description="Signature for signed AuthnRequests; SHA-1 needs insecureAllowSha1."
    )
    sign_requests: Flag = Field(
        None,
        description="Sign AuthnRequests; the SP metadata then publishes the signing certificate.",
    )
    name_id_format: NameIdFormatChoice | None = Field(
        None, description="NameID format to request; `null`: request none."
    )
    force_authn: Flag = Field(
        None, description="Ask the IdP to authenticate the user again even with a session."
    )
    clock_skew_seconds: StrictInt = Field(
        None, ge=0, le=MAX_CLOCK_SKEW, description="Tolerated clock difference, 0 to 600 s."
    )
    insecure_allow_sha1: Flag = Field(
        None, description="Accept SHA-1 signatures and digests. Weakens every signature it allows."
    )


class AdvancedSettingsOut(ApiModel):
    authn_context_class_ref: str | None
    authn_context_comparison: ComparisonChoice
    digest_method: DigestChoice
    signature_method: SignatureChoice
    sign_requests: bool
    name_id_format: NameIdFormatChoice | None
    force_authn: bool
    clock_skew_seconds: int
    insecure_allow_sha1: bool


class OrgsInUseUpdate(InputModel):
    """Organizations in use (tutorial step 6): the orgs that name the provider themselves."""

    org_ids: list[UUID] = Field(
        max_length=MAX_ORG_IDS,
        description="Exactly the orgs that use the provider directly; orgs left out stop naming it. Select the top org to use it for all.",
    )
    inherit_org_ids: list[UUID] = Field(
        default_factory=list,
        max_length=MAX_ORG_IDS,
        description="Orgs to switch to “Inherits settings” in the same change.",
    )


class OrgUsageOut(ApiModel):
    id: UUID
    name: str
    direct: bool = Field(
        description="`true` when the org names the provider itself, `false` when it inherits it."
    )


class OrgsInUseOut(ApiModel):
    org_ids: list[UUID] = Field(description="The orgs that name the provider themselves.")
    count: int = Field(
        description="How many orgs sign in with the provider, directly or by inheritance."
    )
    orgs: list[OrgUsageOut] = Field(
        description="Every org that signs in with the provider, in tree order."
    )
