"""The tenant's service-provider side: entity ID, ACS, key pairs and SP metadata.

URLs come from the configured base URL (``ssoconsole.core.urls``), never from
the request. Both key pairs (signing, and encryption in
:mod:`ssoconsole.sso.sp_encryption`) are generated on first use, so a tenant
that never signs requests still gets them the moment anything asks, and the
SP metadata can switch to signed requests without a separate set-up step.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.db import IntegrityError, transaction

from ssoconsole.audit.log import record
from ssoconsole.core import clock, urls
from ssoconsole.saml.config import ServiceProvider
from ssoconsole.saml.sp_metadata import build_sp_metadata
from ssoconsole.sso import keys, sp_encryption, sp_rotation
from ssoconsole.sso.models import AuthProvider, SPIdentity
from ssoconsole.tenancy.models import Tenant

METADATA_CACHE = timedelta(hours=1)


def _common_name(tenant: Tenant) -> str:
    return f"ssoconsole SP {tenant.id}"


def sp_identity(tenant: Tenant, *, joined: bool = False) -> SPIdentity:
    """Return the tenant's SP identity, generating both key pairs on first use.

    ``joined``: the caller read ``tenant`` with ``select_related("sp_identity")``
    just now (the ACS does, with the outstanding request), so the row it
    brought is used instead of a second query. Off by default: a row
    cached on the instance by an earlier call would miss a rotation.

    Two processes may race to create it; the primary key on the tenant lets
    exactly one insert win and the other reads the winner's row.
    """
    relation = SPIdentity._meta.get_field("tenant").remote_field
    if joined and relation.is_cached(tenant):
        existing = relation.get_cached_value(tenant)
    else:
        existing = SPIdentity.objects.filter(tenant=tenant).first()
    if existing is not None:
        return sp_encryption.ensure_pair(existing)
    pair = keys.generate_key_pair(_common_name(tenant), now=clock.now())
    encryption = sp_encryption.new_sealed_pair(tenant.id)
    try:
        with transaction.atomic():
            identity = SPIdentity.objects.create(
                tenant=tenant,
                private_key_encrypted=keys.seal(pair.private_key_pem, context=str(tenant.id)),
                certificate_pem=pair.certificate_pem.decode("ascii"),
                **encryption.fields(),
            )
            record(
                "sp_identity.key_generated",
                tenant=tenant,
                actor_label="system",
                target=identity,
                target_type="spidentity",
                target_label=str(tenant),
            )
    except IntegrityError:
        return sp_encryption.ensure_pair(SPIdentity.objects.get(tenant=tenant))
    return identity


@transaction.atomic
def rotate_sp_signing_key(tenant: Tenant, *, actor=None, request=None) -> SPIdentity:
    """Replace the tenant's SP signing key pair; IdPs that verify signed requests need the new metadata."""
    identity = sp_identity(tenant)
    identity = SPIdentity.objects.select_for_update().get(pk=identity.pk)
    pair = keys.generate_key_pair(_common_name(tenant), now=clock.now())
    identity.private_key_encrypted = keys.seal(pair.private_key_pem, context=str(tenant.id))
    identity.certificate_pem = pair.certificate_pem.decode("ascii")
    identity.rotated_at = clock.now()
    identity.save()
    record(
        "sp_identity.key_rotated",
        tenant=tenant,
        actor=actor,
        target=identity,
        target_type="spidentity",
        target_label=str(tenant),
        request=request,
    )
    return identity


@transaction.atomic
def rotate_sp_encryption_key(tenant: Tenant, *, actor=None, request=None) -> SPIdentity:
    """Replace the tenant's SP encryption key pair.

    Assertions the IdP still encrypts to the old certificate no longer
    decrypt (``saml.decryption_failed``) until the new certificate is
    uploaded there (Entra ID: Token encryption), so this is for a key
    believed compromised, not routine upkeep.
    """
    identity = sp_identity(tenant)
    identity = SPIdentity.objects.select_for_update().get(pk=identity.pk)
    for field, value in sp_encryption.new_sealed_pair(tenant.id).fields().items():
        setattr(identity, field, value)
    identity.rotated_at = clock.now()
    identity.save()
    record(
        "sp_identity.encryption_key_rotated",
        tenant=tenant,
        actor=actor,
        target=identity,
        target_type="spidentity",
        target_label=str(tenant),
        request=request,
    )
    return identity


def reseal_sp_keys() -> int:
    """Re-encrypt every SP private key (signing and encryption) under the current ``SECRET_KEY``.

    Return how many keys changed; keys already sealed with it are left alone,
    so the command can be run again after an interruption.
    """
    changed = 0
    for identity in SPIdentity.objects.all().iterator():
        updates = {}
        for field, sealed, context in sp_encryption.sealed_columns(identity):
            if not keys.is_current(sealed):
                updates[field] = keys.seal(
                    keys.open_sealed(sealed, context=context), context=context
                )
        if updates:
            SPIdentity.objects.filter(pk=identity.pk).update(**updates)
            changed += len(updates)
    return changed


def service_provider_config(tenant: Tenant, *, with_keys: bool = True) -> ServiceProvider:
    """Build the core's ``ServiceProvider`` for ``tenant``, with both private keys decrypted.

    ``with_keys=False`` leaves the keys out (and does not generate them),
    for callers that only need the URLs. Raises ``KeyDecryptionFailed``
    when a sealed key does not open.
    """
    if not with_keys:
        return _urls_only(tenant)
    identity = sp_identity(tenant)
    return replace(
        _urls_only(tenant),
        signing_key_pem=keys.open_sealed(identity.private_key_encrypted, context=str(tenant.id)),
        signing_cert_pem=identity.certificate_pem.encode("ascii"),
        encryption_key_pem=sp_encryption.open_private_key(identity),
        encryption_cert_pem=identity.encryption_certificate_pem.encode("ascii"),
    )


def _urls_only(tenant: Tenant) -> ServiceProvider:
    return ServiceProvider(
        entity_id=urls.sp_entity_id(tenant.id),
        acs_url=urls.sp_acs_url(tenant.id),
        organization_name=None,
    )


def encryption_certificate_pem(tenant: Tenant) -> bytes:
    """Return the certificate an IdP encrypts assertions to (public; no private key is opened)."""
    return sp_identity(tenant).encryption_certificate_pem.encode("ascii")


def tenant_signs_requests(tenant: Tenant) -> bool:
    """Tell whether any provider of the tenant signs AuthnRequests (the SP metadata then has a key)."""
    return AuthProvider.objects.filter(tenant=tenant, sign_requests=True).exists()


def sp_metadata_xml(tenant: Tenant) -> bytes:
    """Return the tenant's SP metadata: the encryption certificate always, the signing one when requests are signed.

    The encryption certificate is published whether or not a provider
    encrypts: an IdP only encrypts once its administrator uploads that
    certificate (Entra ID: Token encryption), so offering it changes nothing
    until then, and lets metadata-importing IdPs pick it up. The keys are
    opened, not just read, so that a metadata document is never served for
    keys the console could no longer use.
    """
    signs = tenant_signs_requests(tenant)
    sp = service_provider_config(tenant)
    # During a key rotation (ssoconsole.sso.sp_rotation) the next and previous certificates too.
    signing, encryption = sp_rotation.published_certificates(sp_identity(tenant))
    return build_sp_metadata(
        sp,
        sign_requests=signs,
        cache_duration=METADATA_CACHE,
        extra_signing_certs=signing,
        extra_encryption_certs=encryption,
    )


def sp_urls(tenant: Tenant) -> dict[str, str]:
    """Return the four URLs an administrator copies into the IdP (docs/rules.md#urls)."""
    return {
        "entityId": urls.sp_entity_id(tenant.id),
        "acsUrl": urls.sp_acs_url(tenant.id),
        "loginUrl": urls.login_url(),
        "metadataUrl": urls.sp_metadata_url(tenant.id),
    }
