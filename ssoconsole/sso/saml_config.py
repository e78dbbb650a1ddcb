"""Build the SAML core's configuration dataclasses from the models, in one place.

Sign-in calls these (docs/rules.md#configuration-built-in-one-place) and hands the results to the core; nothing else
translates model fields into protocol settings, so a new setting is wired in
exactly here.
"""

from __future__ import annotations

from datetime import timedelta

from ssoconsole.saml.config import IdentityProvider, RequestSettings, ValidationPolicy
from ssoconsole.sso.mapping import MappingConfig
from ssoconsole.sso.metadata_store import certificate_ders
from ssoconsole.sso.models import AuthProvider
from ssoconsole.sso.providers import providers_of
from ssoconsole.sso.sp_identity import service_provider_config
from ssoconsole.tenancy.services import effective_sso_of

__all__ = [
    "effective_provider_for_user",
    "identity_provider_config",
    "mapping_config",
    "providers_of",
    "request_settings",
    "service_provider_config",
    "validation_policy",
]


def identity_provider_config(provider: AuthProvider) -> IdentityProvider:
    """Return what the response validator trusts: the cached entity ID, endpoints and every signing certificate.

    Built from the last good metadata, so a failed refresh changes nothing here.
    """
    return IdentityProvider(
        entity_id=provider.entity_id,
        signing_certificates=certificate_ders(provider),
        sso_url_redirect=provider.sso_url_redirect or None,
        sso_url_post=provider.sso_url_post or None,
    )


def request_settings(provider: AuthProvider) -> RequestSettings:
    """Return how to build AuthnRequests for ``provider`` (an empty class ref requests no context)."""
    return RequestSettings(
        name_id_format=provider.name_id_format or None,
        authn_context_class_ref=provider.authn_context_class_ref or None,
        authn_context_comparison=provider.authn_context_comparison,
        force_authn=provider.force_authn,
        sign_requests=provider.sign_requests,
        signature_method=provider.signature_method,
        digest_method=provider.digest_method,
    )


def validation_policy(provider: AuthProvider) -> ValidationPolicy:
    """Return the strict policy with the provider's clock skew and SHA-1 choice."""
    return ValidationPolicy(
        clock_skew=timedelta(seconds=provider.clock_skew_seconds),
        insecure_allow_sha1=provider.insecure_allow_sha1,
    )


def mapping_config(provider: AuthProvider) -> MappingConfig:
    """Return the provider's attribute mapping for :func:`ssoconsole.sso.mapping.map_identity`."""
    return MappingConfig(
        use_default=provider.use_default_mapping,
        username_attribute=provider.username_attribute or None,
        first_name_attribute=provider.first_name_attribute or None,
        last_name_attribute=provider.last_name_attribute or None,
    )


def effective_provider_for_user(user) -> AuthProvider | None:
    """Return the provider the user's org signs in with (own or inherited setting), or ``None``.

    Two queries whatever the depth of the tree: one recursive query for the
    org's ancestors, one for the provider.
    """
    effective = effective_sso_of(user.org_id)
    if not effective.uses_sso:
        return None
    return AuthProvider.objects.filter(id=effective.provider_id, tenant_id=user.tenant_id).first()
