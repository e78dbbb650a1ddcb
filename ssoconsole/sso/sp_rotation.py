"""Rotate the tenant's SP signing and encryption keys from the console without breaking a sign-in.

Three steps per purpose, each audited:

1. **Prepare next key**: a new pair is generated and its certificate
   published in the SP metadata beside the current one. Nothing changes for
   sign-in yet; for encryption the console already decrypts with it too, so
   the IdP may switch at any time.
2. **Switch**: the next pair becomes the current one (requests are signed
   with it; it is the encryption certificate the console hands out). The old
   pair becomes *previous*: its certificate stays published (signing) and
   its private key keeps decrypting (encryption), because responses the IdP
   encrypted for it may still be on their way.
3. **Retire old key**: the previous pair is deleted, once responses for it
   can no longer arrive: :data:`GRACE` after the switch and after the last
   response that needed it (a sign-in request lives
   :data:`~ssoconsole.sso.outstanding.REQUEST_LIFETIME`).

Entra ID's side is said at each step (:func:`key_status`): signing
certificates go to *SAML Certificates > Verification certificates*,
encryption certificates to *Token encryption > Import certificate*, then
*Activate*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction

from ssoconsole.audit.log import record
from ssoconsole.core import clock
from ssoconsole.saml.metadata import CertificateInfo
from ssoconsole.sso import keys, sp_encryption
from ssoconsole.sso.errors import (
    SPKeyAlreadyPrepared,
    SPKeyNothingToRetire,
    SPKeyNotPrepared,
    SPKeyPreviousNotRetired,
    SPKeyPurposeInvalid,
    SPKeyRetireTooEarly,
)
from ssoconsole.sso.models import SPIdentity
from ssoconsole.sso.outstanding import REQUEST_LIFETIME

PURPOSES = ("signing", "encryption")
GRACE = REQUEST_LIFETIME + timedelta(minutes=5)

# Where each purpose's current pair lives on SPIdentity, and the context its key is sealed with.
_CURRENT = {
    "signing": ("private_key_encrypted", "certificate_pem"),
    "encryption": ("encryption_key_encrypted", "encryption_certificate_pem"),
}

ENTRA_STEPS = {
    "signing": {
        "steady": (
            "Prepare the next key when the current certificate nears its end, or at once if the "
            "key may be known to someone else."
        ),
        "prepared": (
            "In Entra ID, open the enterprise application > Single sign-on > SAML Certificates > "
            "Verification certificates, upload the next certificate and keep the current one. "
            "Then switch here: requests are signed with the new key from then on."
        ),
        "switched": (
            "Requests are signed with the new key. After the grace period, retire the old key "
            "here, then remove the old certificate from Entra ID's Verification certificates."
        ),
    },
    "encryption": {
        "steady": (
            "Prepare the next key when the current certificate nears its end, or at once if the "
            "key may be known to someone else."
        ),
        "prepared": (
            "The console already decrypts with both keys. In Entra ID, open the enterprise "
            "application > Token encryption > Import certificate, upload the next certificate and "
            "activate it (its menu > Activate token encryption certificate). Then switch here."
        ),
        "switched": (
            "The console keeps decrypting with the old key too, for responses already on their "
            "way. Once Entra ID encrypts with the new certificate and the grace period has "
            "passed since the last response for the old one, retire the old key here."
        ),
    },
}


def _context(tenant_id, purpose: str) -> str:
    return sp_encryption.context(tenant_id) if purpose == "encryption" else str(tenant_id)


def _common_name(tenant_id, purpose: str) -> str:
    if purpose == "encryption":
        return sp_encryption.common_name(tenant_id)
    return f"ssoconsole SP {tenant_id}"


def _purpose(value: str) -> str:
    if value not in PURPOSES:
        raise SPKeyPurposeInvalid(
            "The key purpose must be signing or encryption.",
            field="purpose",
        )
    return value


def _describe(cert_pem: str) -> dict | None:
    if not cert_pem:
        return None
    der = x509.load_pem_x509_certificate(cert_pem.encode("ascii")).public_bytes(
        serialization.Encoding.DER
    )
    info = CertificateInfo.from_der(der)
    return {
        "thumbprintSha1": info.sha1_thumbprint,
        "sha256Fingerprint": info.sha256_fingerprint,
        "notAfter": info.not_after.isoformat(),
        "certificatePem": cert_pem,
    }


@dataclass(frozen=True)
class KeyStatus:
    purpose: str
    stage: str  # steady | prepared | switched
    current: dict
    next: dict | None
    previous: dict | None
    switched_at: datetime | None
    retire_from: datetime | None
    next_step: str

    def as_dict(self) -> dict:
        return {
            "purpose": self.purpose,
            "stage": self.stage,
            "current": self.current,
            "next": self.next,
            "previous": self.previous,
            "switchedAt": self.switched_at.isoformat() if self.switched_at else None,
            "retireFrom": self.retire_from.isoformat() if self.retire_from else None,
            "nextStep": self.next_step,
        }


def _retire_from(identity: SPIdentity, purpose: str) -> datetime | None:
    switched = getattr(identity, f"{purpose}_switched_at")
    if switched is None:
        return None
    last_use = identity.encryption_previous_used_at if purpose == "encryption" else None
    return max(t for t in (switched, last_use) if t is not None) + GRACE


def key_status(identity: SPIdentity, purpose: str) -> KeyStatus:
    """Describe one purpose's keys: the stage, the certificates, and the next step in Entra ID."""
    purpose = _purpose(purpose)
    next_pem = getattr(identity, f"{purpose}_next_certificate_pem")
    previous_pem = getattr(identity, f"{purpose}_previous_certificate_pem")
    stage = "prepared" if next_pem else "switched" if previous_pem else "steady"
    return KeyStatus(
        purpose=purpose,
        stage=stage,
        current=_describe(getattr(identity, _CURRENT[purpose][1])),
        next=_describe(next_pem),
        previous=_describe(previous_pem),
        switched_at=getattr(identity, f"{purpose}_switched_at"),
        retire_from=_retire_from(identity, purpose) if previous_pem else None,
        next_step=ENTRA_STEPS[purpose][stage],
    )


def _locked(tenant) -> SPIdentity:
    from ssoconsole.sso.sp_identity import sp_identity

    identity = sp_identity(tenant)
    return SPIdentity.objects.select_for_update().get(pk=identity.pk)


def _audit(action: str, identity: SPIdentity, purpose: str, *, actor, request, data: dict):
    record(
        action,
        tenant=identity.tenant,
        actor=actor,
        target=identity,
        target_type="spidentity",
        target_label=str(identity.tenant),
        data={"purpose": purpose, **data},
        request=request,
    )


@transaction.atomic
def prepare_next_key(tenant, purpose: str, *, actor=None, request=None) -> KeyStatus:
    """Generate the next pair of ``purpose`` and publish its certificate beside the current one."""
    purpose = _purpose(purpose)
    identity = _locked(tenant)
    if getattr(identity, f"{purpose}_next_certificate_pem"):
        raise SPKeyAlreadyPrepared(
            f"A next {purpose} key is already prepared. Switch to it, or keep it until you do.",
        )
    if getattr(identity, f"{purpose}_previous_certificate_pem"):
        raise SPKeyPreviousNotRetired(
            f"The previous {purpose} key is not retired yet. Retire it first, then prepare the "
            "next one.",
        )
    now = clock.now()
    pair = keys.generate_key_pair(_common_name(tenant.id, purpose), now=now)
    setattr(
        identity,
        f"{purpose}_next_key_encrypted",
        keys.seal(pair.private_key_pem, context=_context(tenant.id, purpose)),
    )
    setattr(identity, f"{purpose}_next_certificate_pem", pair.certificate_pem.decode("ascii"))
    setattr(identity, f"{purpose}_next_prepared_at", now)
    identity.save()
    status = key_status(identity, purpose)
    _audit(
        "sp_identity.key_prepared",
        identity,
        purpose,
        actor=actor,
        request=request,
        data={"nextThumbprintSha1": status.next["thumbprintSha1"]},
    )
    return status


@transaction.atomic
def switch_key(tenant, purpose: str, *, actor=None, request=None) -> KeyStatus:
    """Make the prepared pair the current one; the old pair becomes *previous* until retired."""
    purpose = _purpose(purpose)
    identity = _locked(tenant)
    if not getattr(identity, f"{purpose}_next_certificate_pem"):
        raise SPKeyNotPrepared(
            f"No next {purpose} key is prepared. Prepare one first, and give its certificate to "
            "the identity provider.",
        )
    key_field, cert_field = _CURRENT[purpose]
    old_cert = getattr(identity, cert_field)
    if purpose == "encryption":
        identity.encryption_previous_key_encrypted = identity.encryption_key_encrypted
        identity.encryption_previous_used_at = None
    setattr(identity, f"{purpose}_previous_certificate_pem", old_cert)
    setattr(identity, key_field, getattr(identity, f"{purpose}_next_key_encrypted"))
    setattr(identity, cert_field, getattr(identity, f"{purpose}_next_certificate_pem"))
    setattr(identity, f"{purpose}_next_key_encrypted", "")
    setattr(identity, f"{purpose}_next_certificate_pem", "")
    setattr(identity, f"{purpose}_next_prepared_at", None)
    now = clock.now()
    setattr(identity, f"{purpose}_switched_at", now)
    identity.rotated_at = now
    identity.save()
    status = key_status(identity, purpose)
    _audit(
        "sp_identity.key_switched",
        identity,
        purpose,
        actor=actor,
        request=request,
        data={
            "currentThumbprintSha1": status.current["thumbprintSha1"],
            "previousThumbprintSha1": status.previous["thumbprintSha1"],
        },
    )
    return status


@transaction.atomic
def retire_old_key(tenant, purpose: str, *, actor=None, request=None) -> KeyStatus:
    """Delete the previous pair, once no response for it can still arrive."""
    purpose = _purpose(purpose)
    identity = _locked(tenant)
    if not getattr(identity, f"{purpose}_previous_certificate_pem"):
        raise SPKeyNothingToRetire(f"There is no old {purpose} key to retire.")
    now = clock.now()
    retire_from = _retire_from(identity, purpose)
    if retire_from is not None and now < retire_from:
        used = identity.encryption_previous_used_at if purpose == "encryption" else None
        why = (
            f"a response encrypted for it arrived at {used:%H:%M:%S} UTC, so the identity "
            "provider may still be using it (Entra ID: activate the new certificate under Token "
            "encryption)"
            if used
            else f"the switch was at {getattr(identity, purpose + '_switched_at'):%H:%M:%S} UTC "
            "and sign-ins started before it may still be answered"
        )
        raise SPKeyRetireTooEarly(
            f"The old {purpose} key can be retired from {retire_from:%Y-%m-%d %H:%M:%S} UTC: {why}.",
        )
    old = getattr(identity, f"{purpose}_previous_certificate_pem")
    if purpose == "encryption":
        identity.encryption_previous_key_encrypted = ""
        identity.encryption_previous_used_at = None
    setattr(identity, f"{purpose}_previous_certificate_pem", "")
    setattr(identity, f"{purpose}_switched_at", None)
    identity.save()
    _audit(
        "sp_identity.key_retired",
        identity,
        purpose,
        actor=actor,
        request=request,
        data={"retiredThumbprintSha1": _describe(old)["thumbprintSha1"]},
    )
    return key_status(identity, purpose)


def decryption_keys(identity: SPIdentity) -> list[tuple[str, str]]:
    """Return the sealed encryption keys that may decrypt a response, in the order to try them.

    ``[("current", sealed), ("next", sealed)?, ("previous", sealed)?]``: the
    next key because the IdP may switch before the console does, the previous
    one because responses encrypted before the switch may still arrive.
    """
    found = [("current", identity.encryption_key_encrypted)]
    if identity.encryption_next_key_encrypted:
        found.append(("next", identity.encryption_next_key_encrypted))
    if identity.encryption_previous_key_encrypted:
        found.append(("previous", identity.encryption_previous_key_encrypted))
    return [(label, sealed) for label, sealed in found if sealed]


def note_previous_key_used(identity: SPIdentity, now: datetime) -> None:
    """Remember that a response needed the previous encryption key (retiring waits for it)."""
    SPIdentity.objects.filter(pk=identity.pk).update(encryption_previous_used_at=now)


def published_certificates(identity: SPIdentity) -> tuple[list[bytes], list[bytes]]:
    """Return the extra (signing, encryption) certificates the SP metadata publishes now.

    Signing: the next one and the previous one (until retired), so an IdP
    that verifies signed requests trusts both across the switch. Encryption:
    the next one only; the previous one is never offered to be encrypted to.
    """
    signing = [
        pem.encode("ascii")
        for pem in (
            identity.signing_next_certificate_pem,
            identity.signing_previous_certificate_pem,
        )
        if pem
    ]
    encryption = [pem.encode("ascii") for pem in (identity.encryption_next_certificate_pem,) if pem]
    return signing, encryption
