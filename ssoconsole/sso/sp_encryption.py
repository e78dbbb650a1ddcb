"""The tenant's SP encryption key pair: what an IdP encrypts assertions to (Entra ID "Token encryption").

Kept apart from the signing pair on purpose. The signing key proves requests
come from the console; the encryption key is what the IdP's assertions are
readable with. They are handed out to different places (the signing
certificate only when requests are signed, the encryption certificate to
any administrator who turns on token encryption) and replaced on different
occasions, so one must never force a change of the other.

The private key is sealed exactly like the signing key (:mod:`ssoconsole.sso.keys`)
but under its own context, ``<tenant id>:encryption``: a sealed signing key
copied into the encryption column (or back) does not open.

The pair is generated with the SP identity; rows made before the pair
existed get theirs on first use, with a conditional UPDATE so that two
processes cannot publish two different certificates.
"""

from __future__ import annotations

from dataclasses import dataclass

from ssoconsole.audit.log import record
from ssoconsole.core import clock
from ssoconsole.sso import keys
from ssoconsole.sso.models import SPIdentity


def context(tenant_id) -> str:
    """Return the associated data that binds a sealed encryption key to its tenant and purpose."""
    return f"{tenant_id}:encryption"


def common_name(tenant_id) -> str:
    """Name the certificate so that an IdP administrator sees what it is for when uploading it."""
    return f"ssoconsole SP encryption {tenant_id}"


@dataclass(frozen=True)
class SealedPair:
    """A new encryption key pair, the private key already sealed, as the model stores it."""

    encryption_key_encrypted: str
    encryption_certificate_pem: str

    def fields(self) -> dict[str, str]:
        return {
            "encryption_key_encrypted": self.encryption_key_encrypted,
            "encryption_certificate_pem": self.encryption_certificate_pem,
        }


def new_sealed_pair(tenant_id) -> SealedPair:
    """Generate an RSA-2048 pair with a ten-year self-signed certificate and seal its private key."""
    pair = keys.generate_key_pair(common_name(tenant_id), now=clock.now())
    return SealedPair(
        keys.seal(pair.private_key_pem, context=context(tenant_id)),
        pair.certificate_pem.decode("ascii"),
    )


def ensure_pair(identity: SPIdentity) -> SPIdentity:
    """Return ``identity`` with an encryption pair, generating one for rows that predate it.

    Only an UPDATE that finds the column still empty writes, so when two
    processes race, one pair wins and both return it.
    """
    if identity.encryption_key_encrypted:
        return identity
    sealed = new_sealed_pair(identity.tenant_id)
    won = SPIdentity.objects.filter(pk=identity.pk, encryption_key_encrypted="").update(
        **sealed.fields()
    )
    identity.refresh_from_db()
    if won:
        record(
            "sp_identity.encryption_key_generated",
            tenant=identity.tenant,
            actor_label="system",
            target=identity,
            target_type="spidentity",
            target_label=str(identity.tenant),
        )
    return identity


def open_private_key(identity: SPIdentity) -> bytes:
    """Return the PEM private key that decrypts assertions (raises ``KeyDecryptionFailed``)."""
    return keys.open_sealed(identity.encryption_key_encrypted, context=context(identity.tenant_id))


def sealed_columns(identity: SPIdentity) -> list[tuple[str, str, str]]:
    """Return ``(field, sealed text, context)`` of every private key of ``identity``, for resealing."""
    signing, encryption = str(identity.tenant_id), context(identity.tenant_id)
    candidates = [
        ("private_key_encrypted", signing),
        ("signing_next_key_encrypted", signing),
        ("encryption_key_encrypted", encryption),
        ("encryption_next_key_encrypted", encryption),
        ("encryption_previous_key_encrypted", encryption),
    ]
    return [
        (field, getattr(identity, field), ctx)
        for field, ctx in candidates
        if getattr(identity, field)
    ]
