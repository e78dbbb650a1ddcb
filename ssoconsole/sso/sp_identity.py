"""The tenant's service-provider side: entity ID, ACS, signing keys and SP metadata.

URLs come from the configured base URL (``ssoconsole.core.urls``), never from
the request. The key pair is generated on first use, so a tenant that never
signs requests still gets one the moment anything asks for it, and the SP
metadata can switch to signed requests without a separate set-up step.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ssoconsole.audit.log import record
from ssoconsole.core import urls
from ssoconsole.saml.config import ServiceProvider
from ssoconsole.saml.sp_metadata import build_sp_metadata
from ssoconsole.sso import keys
from ssoconsole.sso.models import AuthProvider, SPIdentity
from ssoconsole.tenancy.models import Tenant

METADATA_CACHE = timedelta(hours=1)


def _common_name(tenant: Tenant) -> str:
    return f"ssoconsole SP {tenant.id}"


def sp_identity(tenant: Tenant) -> SPIdentity:
    """Return the tenant's SP identity, generating the key pair on first use.

    Two processes may race to create it; the primary key on the tenant lets
    exactly one insert win and the other reads the winner's row.
    """
    existing = SPIdentity.objects.filter(tenant=tenant).first()
    if existing is not None:
        return existing
    pair = keys.generate_key_pair(_common_name(tenant), now=timezone.now())
    try:
        with transaction.atomic():
            identity = SPIdentity.objects.create(
                tenant=tenant,
                private_key_encrypted=keys.seal(pair.private_key_pem, context=str(tenant.id)),
                certificate_pem=pair.certificate_pem.decode("ascii"),
            )
            record("sp_identity.key_generated", tenant=tenant, actor_label="system", target=identity,
                   target_type="spidentity", target_label=str(tenant))
    except IntegrityError:
        return SPIdentity.objects.get(tenant=tenant)
    return identity


@transaction.atomic
def rotate_sp_signing_key(tenant: Tenant, *, actor=None, request=None) -> SPIdentity:
    """Replace the tenant's SP signing key pair; IdPs that verify signed requests need the new metadata."""
    identity = sp_identity(tenant)
    identity = SPIdentity.objects.select_for_update().get(pk=identity.pk)
    pair = keys.generate_key_pair(_common_name(tenant), now=timezone.now())
    identity.private_key_encrypted = keys.seal(pair.private_key_pem, context=str(tenant.id))
    identity.certificate_pem = pair.certificate_pem.decode("ascii")
    identity.rotated_at = timezone.now()
    identity.save()
    record("sp_identity.key_rotated", tenant=tenant, actor=actor, target=identity, target_type="spidentity",
           target_label=str(tenant), request=request)
    return identity


def reseal_sp_keys() -> int:
    """Re-encrypt every SP private key under the current ``SECRET_KEY``; return how many changed."""
    changed = 0
    for identity in SPIdentity.objects.all().iterator():
        if keys.is_current(identity.private_key_encrypted):
            continue
        context = str(identity.tenant_id)
        plaintext = keys.open_sealed(identity.private_key_encrypted, context=context)
        SPIdentity.objects.filter(pk=identity.pk).update(private_key_encrypted=keys.seal(plaintext, context=context))
        changed += 1
    return changed


def service_provider_config(tenant: Tenant, *, with_keys: bool = True) -> ServiceProvider:
    """Build the core's ``ServiceProvider`` for ``tenant``, with the signing key decrypted.

    ``with_keys=False`` leaves the keys out (and does not generate them),
    for callers that only need the URLs.
    """
    signing_key = signing_cert = None
    if with_keys:
        identity = sp_identity(tenant)
        signing_key = keys.open_sealed(identity.private_key_encrypted, context=str(tenant.id))
        signing_cert = identity.certificate_pem.encode("ascii")
    return ServiceProvider(
        entity_id=urls.sp_entity_id(tenant.id),
        acs_url=urls.sp_acs_url(tenant.id),
        signing_key_pem=signing_key,
        signing_cert_pem=signing_cert,
        organization_name=None,
    )


def tenant_signs_requests(tenant: Tenant) -> bool:
    """Tell whether any provider of the tenant signs AuthnRequests (the SP metadata then has a key)."""
    return AuthProvider.objects.filter(tenant=tenant, sign_requests=True).exists()


def sp_metadata_xml(tenant: Tenant) -> bytes:
    """Return the tenant's SP metadata, with the signing certificate when any provider signs requests."""
    signs = tenant_signs_requests(tenant)
    sp = service_provider_config(tenant, with_keys=signs)
    return build_sp_metadata(sp, sign_requests=signs, cache_duration=METADATA_CACHE)


def sp_urls(tenant: Tenant) -> dict[str, str]:
    """Return the four URLs an administrator copies into the IdP (SPEC section 2)."""
    return {
        "entityId": urls.sp_entity_id(tenant.id),
        "acsUrl": urls.sp_acs_url(tenant.id),
        "loginUrl": urls.login_url(),
        "metadataUrl": urls.sp_metadata_url(tenant.id),
    }
