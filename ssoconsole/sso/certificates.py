"""Describe a provider's signing certificates for the details page and the API.

Expiry is shown, not enforced at sign-in (SAML Metadata 2.4.1.1 trusts keys
by inclusion, and the core follows it), but an administrator must see a
rollover coming: Entra ID certificates last three years and its mails are easy
to miss.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ssoconsole.saml.metadata import CertificateInfo
from ssoconsole.sso.metadata_store import certificate_ders
from ssoconsole.sso.models import AuthProvider

EXPIRY_WARNING = timedelta(days=30)


@dataclass(frozen=True)
class CertificateStatus:
    """One signing certificate with its state: ``ok``, ``expiring`` (within 30 days) or ``expired``."""

    subject: str
    issuer: str
    sha256_fingerprint: str
    not_before: datetime
    not_after: datetime
    status: str
    message: str

    def as_dict(self) -> dict:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "sha256Fingerprint": self.sha256_fingerprint,
            "notBefore": self.not_before.isoformat(),
            "notAfter": self.not_after.isoformat(),
            "status": self.status,
            "message": self.message,
        }


def certificate_status(info: CertificateInfo, now: datetime) -> CertificateStatus:
    """Classify one certificate at ``now`` and say what to do about it."""
    if info.is_expired(now):
        status = "expired"
        message = (
            f"Expired on {info.not_after:%Y-%m-%d}. If the identity provider still signs with it, sign-in fails: "
            "activate a new certificate there and refresh or re-upload the metadata."
        )
    elif info.not_after - now <= EXPIRY_WARNING:
        days = max(0, (info.not_after - now).days)
        status = "expiring"
        message = (
            f"Expires in {days} day{'s' if days != 1 else ''} ({info.not_after:%Y-%m-%d}). Add a new certificate at "
            "the identity provider and refresh or re-upload the metadata before then."
        )
    else:
        status, message = "ok", f"Valid until {info.not_after:%Y-%m-%d}."
    return CertificateStatus(
        subject=info.subject,
        issuer=info.issuer,
        sha256_fingerprint=info.sha256_fingerprint,
        not_before=info.not_before,
        not_after=info.not_after,
        status=status,
        message=message,
    )


def provider_certificates(provider: AuthProvider, now: datetime) -> list[CertificateStatus]:
    """Return the provider's trusted signing certificates in metadata order, with their status."""
    return [
        certificate_status(CertificateInfo.from_der(der), now) for der in certificate_ders(provider)
    ]
