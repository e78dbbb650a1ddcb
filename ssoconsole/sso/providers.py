"""Create, change and delete authentication providers; used by the REST API and the console.

Every function validates its input, writes in one transaction and records an
audit event with the values before and after. Network and parsing happen
before the transaction opens, so a slow IdP never holds a database lock and a
refused document leaves nothing behind.
"""

from __future__ import annotations

import re
from datetime import datetime
from uuid import UUID

from django.db import IntegrityError, transaction

from ssoconsole.audit.log import diff, record
from ssoconsole.core import clock
from ssoconsole.core.changes import unchanged_on_error_of_first_argument
from ssoconsole.core.errors import Conflict, InvalidId, InvalidType
from ssoconsole.core.prepared_query import PreparedQuery
from ssoconsole.sso import errors as e
from ssoconsole.sso.errors import (
    AttributeNameInvalid,
    DisplayNameRequired,
    DisplayNameTaken,
    DisplayNameTooLong,
    SettingInvalid,
    SettingUnknown,
    SHA1NotAllowed,
)
from ssoconsole.sso.metadata_fetch import MetadataFetcher
from ssoconsole.sso.metadata_store import (
    METADATA_FIELDS,
    apply_metadata,
    metadata_snapshot,
    next_refresh,
    obtain_metadata,
)
from ssoconsole.sso.models import (
    AuthProvider,
    Comparison,
    DigestMethod,
    MetadataSource,
    NameIDFormat,
    RefreshResult,
    SignatureMethod,
)
from ssoconsole.tenancy.models import Tenant
from ssoconsole.tenancy.services import orgs_using_provider

DISPLAY_NAME_MAX = 100
ATTRIBUTE_MAX = 512
MAX_CLOCK_SKEW = 600
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")
_ATTRIBUTE = re.compile(r"[^\s\x00-\x1f\x7f]+")
_SHA1 = {SignatureMethod.RSA_SHA1.value, DigestMethod.SHA1.value}


# --- lookups -------------------------------------------------------------------------------


def lock_provider(tenant: Tenant, provider_id: UUID) -> bool:
    """Lock ``tenant``'s provider row ``provider_id`` until the transaction ends; tell whether it exists.

    ``SELECT ... FOR UPDATE`` on PostgreSQL (SQLite writes one transaction at a
    time anyway). Assigning a provider to an org and deleting the provider both
    take this lock before they look, so they run one after the other and the
    second sees what the first did: an assign cannot slip in between the
    deletion's "no org uses it" check and the delete.
    """
    locked = (
        AuthProvider.objects.select_for_update()
        .filter(tenant=tenant, id=provider_id)
        .values_list("id", flat=True)
    )
    return locked.first() is not None


def provider_belongs_to(tenant: Tenant, provider_id: UUID) -> bool:
    """Tell tenancy whether ``provider_id`` is one of ``tenant``'s providers (registered in AppConfig.ready).

    Called inside ``set_org_sso``'s transaction: it locks the provider row (``lock_provider``),
    so a concurrent ``delete_provider`` either waits for the assignment or has already deleted it.
    """
    return lock_provider(tenant, provider_id)


def providers_of(tenant: Tenant) -> list[AuthProvider]:
    """Return the tenant's providers ordered by display name (the sign-in list order)."""
    return _PROVIDERS_OF(tenant.id)


# Read by every sign-in's login step: compiled once per process (see PreparedQuery).
_PROVIDERS_OF = PreparedQuery(
    AuthProvider,
    lambda tenant_id: AuthProvider.objects.filter(tenant_id=tenant_id).order_by("display_name"),
    UUID,
)


def get_provider(tenant: Tenant, provider_id) -> AuthProvider:
    """Return the tenant's provider ``provider_id``; another tenant's is as absent as a missing one."""
    try:
        pid = provider_id if isinstance(provider_id, UUID) else UUID(str(provider_id))
    except (TypeError, ValueError, AttributeError):
        raise InvalidId("providerId must be an id (UUID).", field="providerId") from None
    try:
        return AuthProvider.objects.get(tenant=tenant, id=pid)
    except AuthProvider.DoesNotExist:
        raise e.ProviderNotFound(
            "No authentication provider with this id in your tenant. List the providers to find the right id.",
            field="providerId",
        ) from None


# --- snapshots for audit -------------------------------------------------------------------


def mapping_snapshot(p: AuthProvider) -> dict:
    return {
        "useDefault": p.use_default_mapping,
        "username": p.username_attribute or None,
        "firstName": p.first_name_attribute or None,
        "lastName": p.last_name_attribute or None,
    }


def advanced_snapshot(p: AuthProvider) -> dict:
    return {
        "authnContextClassRef": p.authn_context_class_ref or None,
        "authnContextComparison": p.authn_context_comparison,
        "digestMethod": p.digest_method,
        "signatureMethod": p.signature_method,
        "signRequests": p.sign_requests,
        "nameIdFormat": p.name_id_format or None,
        "forceAuthn": p.force_authn,
        "clockSkewSeconds": p.clock_skew_seconds,
        "insecureAllowSha1": p.insecure_allow_sha1,
    }


def provider_snapshot(p: AuthProvider) -> dict:
    return {
        "displayName": p.display_name,
        "metadataSource": p.metadata_source,
        "metadataUrl": p.metadata_url or None,
        "metadataOverride": p.metadata_overridden_at is not None,
        **metadata_snapshot(p),
    }


# --- validation ----------------------------------------------------------------------------


def _clean_display_name(tenant: Tenant, value, *, exclude_id=None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DisplayNameRequired(
            "Enter a display name; users see it when they choose a provider.",
            field="displayName",
        )
    value = " ".join(value.split())
    if len(value) > DISPLAY_NAME_MAX:
        raise DisplayNameTooLong(
            f"Display names are at most {DISPLAY_NAME_MAX} characters long.",
            field="displayName",
        )
    taken = AuthProvider.objects.filter(tenant=tenant, display_name__iexact=value)
    if exclude_id is not None:
        taken = taken.exclude(id=exclude_id)
    if taken.exists():
        raise _name_taken(value)
    return value


def _name_taken(value: str) -> Conflict:
    return DisplayNameTaken(
        f"A provider named “{value}” already exists in your tenant (names are compared without regard "
        "to case). Choose another display name.",
        field="displayName",
    )


def _save(provider: AuthProvider, fields: list[str] | None = None) -> None:
    """Save ``fields`` only (all on creation): a full save could write back a stale refresh lease
    or metadata that the scheduler changed meanwhile in another process."""
    try:
        with transaction.atomic():
            provider.save(update_fields=[*fields, "updated_at"] if fields is not None else None)
    except IntegrityError:
        raise _name_taken(provider.display_name) from None


# --- create, update, delete ----------------------------------------------------------------


def create_provider(
    tenant: Tenant,
    display_name,
    *,
    metadata_xml: bytes | str | None = None,
    metadata_url: str | None = None,
    entity_id: str | None = None,
    actor=None,
    request=None,
    fetcher: MetadataFetcher | None = None,
    now: datetime | None = None,
) -> AuthProvider:
    """Create a provider from uploaded metadata or a metadata URL; nothing is stored if anything is refused.

    ``entity_id`` picks one identity provider out of an EntitiesDescriptor.
    The new provider applies to no organization until one is assigned.
    """
    now = now or clock.now()
    name = _clean_display_name(tenant, display_name)
    loaded = obtain_metadata(
        metadata_xml=metadata_xml,
        metadata_url=metadata_url,
        entity_id=entity_id,
        now=now,
        fetcher=fetcher,
    )
    provider = AuthProvider(
        tenant=tenant,
        display_name=name,
        metadata_source=MetadataSource.URL if metadata_url is not None else MetadataSource.FILE,
        metadata_url=(metadata_url or "").strip(),
        entity_selector=entity_id or "",
        last_refresh_at=now,
        last_refresh_result=RefreshResult.OK,
    )
    apply_metadata(provider, loaded)
    if provider.metadata_source == MetadataSource.URL:
        provider.next_refresh_at = next_refresh(
            now, cache_duration=provider.cache_duration, valid_until=provider.valid_until
        )
    with transaction.atomic():
        _save(provider)
        record(
            "auth_provider.created",
            tenant=tenant,
            actor=actor,
            target=provider,
            data={"after": provider_snapshot(provider)},
            request=request,
        )
    return provider


@unchanged_on_error_of_first_argument
def update_provider(
    provider: AuthProvider,
    *,
    display_name=None,
    metadata_xml: bytes | str | None = None,
    metadata_url: str | None = None,
    entity_id: str | None = None,
    switch_to_file: bool = False,
    actor=None,
    request=None,
    fetcher: MetadataFetcher | None = None,
    now: datetime | None = None,
) -> AuthProvider:
    """Rename a provider and/or replace its metadata (a new file, or a new URL fetched now).

    Replacing the metadata is all or nothing: a refused document leaves the
    provider exactly as it was. A file uploaded for a provider that reads its
    metadata from a URL is a one-time override: the URL and its scheduled
    refresh stay, and the next good download replaces the file, so the next
    rollover at the IdP is still picked up. ``switch_to_file`` instead stops
    the downloads for good (an IdP whose URL went away).
    """
    now = now or clock.now()
    before = provider_snapshot(provider)
    name = None
    if display_name is not None:
        name = _clean_display_name(provider.tenant, display_name, exclude_id=provider.id)
    loaded = None
    if metadata_xml is not None or metadata_url is not None:
        loaded = obtain_metadata(
            metadata_xml=metadata_xml,
            metadata_url=metadata_url,
            entity_id=entity_id,
            now=now,
            fetcher=fetcher,
        )
    # Nothing is assigned until everything was accepted, so a refusal leaves the instance untouched.
    fields: list[str] = []
    if name is not None:
        provider.display_name = name
        fields.append("display_name")
    if loaded is not None:
        fields += METADATA_FIELDS + [
            "metadata_source",
            "metadata_url",
            "entity_selector",
            "last_refresh_at",
            "last_refresh_result",
            "last_refresh_error_code",
            "last_refresh_error_message",
            "next_refresh_at",
        ]
        fields += ["metadata_overridden_at", "refresh_failures"]
        apply_metadata(provider, loaded)
        override = (
            metadata_url is None
            and not switch_to_file
            and provider.metadata_source == MetadataSource.URL
        )
        provider.refresh_failures = 0
        if override:
            # Keep the URL, its entity selector and its schedule; mark the file as the copy in use.
            provider.metadata_overridden_at = now
        else:
            provider.metadata_overridden_at = None
            provider.metadata_source = (
                MetadataSource.URL if metadata_url is not None else MetadataSource.FILE
            )
            provider.metadata_url = (metadata_url or "").strip()
            provider.entity_selector = entity_id or ""
        provider.last_refresh_at, provider.last_refresh_result = now, RefreshResult.OK
        provider.last_refresh_error_code = provider.last_refresh_error_message = ""
        provider.next_refresh_at = (
            next_refresh(
                now, cache_duration=provider.cache_duration, valid_until=provider.valid_until
            )
            if provider.metadata_source == MetadataSource.URL
            else None
        )
    with transaction.atomic():
        _save(provider, fields)
        changes = diff(before, provider_snapshot(provider))
        if changes["after"]:
            record(
                "auth_provider.updated",
                tenant=provider.tenant,
                actor=actor,
                target=provider,
                data=changes,
                request=request,
            )
    return provider


@transaction.atomic
def delete_provider(provider: AuthProvider, *, actor=None, request=None) -> None:
    """Delete a provider, refused while any org names it (an org's users could no longer sign in).

    The provider row is locked first, as ``set_org_sso`` locks it before assigning it, so an
    assignment committed meanwhile is seen by the check below and one still running waits.
    """
    if not lock_provider(provider.tenant, provider.id):
        raise e.ProviderNotFound(
            "No authentication provider with this id in your tenant (it was deleted meanwhile).",
            field="providerId",
        )
    users = orgs_using_provider(provider.tenant, provider.id)
    if users:
        names = sorted(o.name for o in users)
        raise e.ProviderInUse(
            f"“{provider.display_name}” is used by {len(names)} organization{'s' if len(names) != 1 else ''}: "
            f"{', '.join(names)}. Switch them to another provider, local sign-in or inherit first, then delete it.",
            details={
                "orgs": [
                    {"id": str(o.id), "name": o.name} for o in sorted(users, key=lambda o: o.name)
                ]
            },
        )
    snapshot = provider_snapshot(provider)
    record(
        "auth_provider.deleted",
        tenant=provider.tenant,
        actor=actor,
        target=provider,
        data={"before": snapshot},
        request=request,
    )
    provider.delete()


# --- attribute mapping ---------------------------------------------------------------------


def _clean_attribute(value, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidType(f"{field} must be an attribute name (text) or null.", field=field)
    value = value.strip()
    if not value:
        return ""
    if len(value) > ATTRIBUTE_MAX or not _ATTRIBUTE.fullmatch(value):
        raise AttributeNameInvalid(
            f"{field} must be an attribute name or claim URI without spaces, at most {ATTRIBUTE_MAX} characters, "
            "such as http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name.",
            field=field,
        )
    return value


@unchanged_on_error_of_first_argument
@transaction.atomic
def set_attribute_mapping(
    provider: AuthProvider,
    *,
    use_default: bool,
    username=None,
    first_name=None,
    last_name=None,
    actor=None,
    request=None,
) -> AuthProvider:
    """Set how assertions become usernames; ``username=None`` means the NameID.

    With ``use_default`` on, the attribute fields are cleared: the default
    mapping ignores them, and keeping them would show settings that do nothing.
    """
    if not isinstance(use_default, bool):
        raise InvalidType("useDefault must be true or false.", field="useDefault")
    before = mapping_snapshot(provider)
    provider.use_default_mapping = use_default
    if use_default:
        provider.username_attribute = provider.first_name_attribute = (
            provider.last_name_attribute
        ) = ""
    else:
        provider.username_attribute = _clean_attribute(username, "username")
        provider.first_name_attribute = _clean_attribute(first_name, "firstName")
        provider.last_name_attribute = _clean_attribute(last_name, "lastName")
    provider.save(
        update_fields=[
            "use_default_mapping",
            "username_attribute",
            "first_name_attribute",
            "last_name_attribute",
            "updated_at",
        ]
    )
    changes = diff(before, mapping_snapshot(provider))
    if changes["after"]:
        record(
            "auth_provider.mapping_changed",
            tenant=provider.tenant,
            actor=actor,
            target=provider,
            data=changes,
            request=request,
        )
    return provider


# --- advanced SAML settings ----------------------------------------------------------------

_FIELDS = {
    # python name: API name (used in messages and audit data)
    "authn_context_class_ref": "authnContextClassRef",
    "authn_context_comparison": "authnContextComparison",
    "digest_method": "digestMethod",
    "signature_method": "signatureMethod",
    "sign_requests": "signRequests",
    "name_id_format": "nameIdFormat",
    "force_authn": "forceAuthn",
    "clock_skew_seconds": "clockSkewSeconds",
    "insecure_allow_sha1": "insecureAllowSha1",
}


def _choice(value, field: str, choices) -> str:
    if value not in choices.values:
        raise SettingInvalid(
            f"{field} must be one of: {', '.join(choices.values)}.",
            field=field,
        )
    return value


def _clean_setting(name: str, value):
    field = _FIELDS[name]
    if name in ("sign_requests", "force_authn", "insecure_allow_sha1"):
        if not isinstance(value, bool):
            raise InvalidType(f"{field} must be true or false.", field=field)
        return value
    if name == "clock_skew_seconds":
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 <= value <= MAX_CLOCK_SKEW
        ):
            raise SettingInvalid(
                f"{field} must be a whole number of seconds from 0 to {MAX_CLOCK_SKEW}.",
                field=field,
            )
        return value
    if name == "authn_context_class_ref":
        if value is None or (isinstance(value, str) and not value.strip()):
            return ""
        if (
            not isinstance(value, str)
            or len(value.strip()) > ATTRIBUTE_MAX
            or not _URI.fullmatch(value.strip())
        ):
            raise SettingInvalid(
                f"{field} must be a URI such as urn:oasis:names:tc:SAML:2.0:ac:classes:Password, or empty to "
                "request no authentication context.",
                field=field,
            )
        return value.strip()
    if name == "name_id_format":
        return "" if value in (None, "") else _choice(value, field, NameIDFormat)
    if name == "authn_context_comparison":
        return _choice(value, field, Comparison)
    if name == "digest_method":
        return _choice(value, field, DigestMethod)
    return _choice(value, field, SignatureMethod)


@unchanged_on_error_of_first_argument
@transaction.atomic
def set_advanced_settings(
    provider: AuthProvider, *, actor=None, request=None, **changes
) -> AuthProvider:
    """Change any of the advanced SAML settings (python names, see ``_FIELDS``); audited with before/after.

    SHA-1 for signed requests is refused unless ``insecure_allow_sha1`` is on
    in the same or an earlier change, so the weak choice is always explicit.
    """
    unknown = sorted(set(changes) - set(_FIELDS))
    if unknown:
        raise SettingUnknown(
            f"Unknown setting {', '.join(unknown)}; the settings are {', '.join(_FIELDS.values())}.",
        )
    cleaned = {name: _clean_setting(name, value) for name, value in changes.items()}
    merged = {name: cleaned.get(name, getattr(provider, name)) for name in _FIELDS}
    if (
        not merged["insecure_allow_sha1"]
        and {merged["digest_method"], merged["signature_method"]} & _SHA1
    ):
        raise SHA1NotAllowed(
            "SHA-1 is not accepted for signed requests. Choose SHA-256, or turn on insecureAllowSha1 if your identity "
            "provider cannot do better (it weakens every signature it allows).",
            field="signatureMethod",
        )
    before = advanced_snapshot(provider)
    for name, value in cleaned.items():
        setattr(provider, name, value)
    provider.save(update_fields=[*cleaned, "updated_at"])
    changes_ = diff(before, advanced_snapshot(provider))
    if changes_["after"]:
        record(
            "auth_provider.settings_changed",
            tenant=provider.tenant,
            actor=actor,
            target=provider,
            data=changes_,
            request=request,
        )
    return provider
