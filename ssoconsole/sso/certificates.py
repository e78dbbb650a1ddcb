"""Describe a provider's signing certificates, and the provider's certificate state, truthfully.

The rule the console follows (SAML Metadata 2.4.1.1, and the SAML core):
keys are trusted because the provider's metadata lists them; certificate
dates are information. So an expired certificate the IdP still signs with
does not stop sign-in, and the console says exactly that, as a warning to
roll over at the IdP, never "sign-in fails".

Which certificate matters is learned, not guessed: the one that verified
the provider's recent accepted responses (``signing_certificate_sha256``,
written by :mod:`ssoconsole.sso.rollover`). The provider's state (the list
badge, the dashboard banner, the expiry e-mails, the days-left metric) is
that certificate's; before any sign-in, the longest-lived listed one's.
Digests are shown in Entra ID's notation (uppercase hex): its
"Thumbprint" is the SHA-1 one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from ssoconsole.saml.metadata import CertificateInfo
from ssoconsole.sso.metadata_store import certificate_ders
from ssoconsole.sso.models import AuthProvider, MetadataSource

EXPIRY_WARNING = timedelta(days=30)
# The moments an administrator is warned before the certificate the IdP signs with expires.
WARNING_DAYS = (30, 7, 1)


@dataclass(frozen=True)
class CertificateStatus:
    """One signing certificate with its state: ``ok``, ``expiring`` (within 30 days) or ``expired``.

    ``in_use`` says whether the IdP signed the provider's recent accepted
    responses with it (``None``: no sign-in has shown it yet).
    """

    subject: str
    issuer: str
    sha256_fingerprint: str
    sha1_thumbprint: str
    not_before: datetime
    not_after: datetime
    status: str
    message: str
    in_use: bool | None = None

    def as_dict(self) -> dict:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "sha256Fingerprint": self.sha256_fingerprint,
            "thumbprintSha1": self.sha1_thumbprint,
            "notBefore": self.not_before.isoformat(),
            "notAfter": self.not_after.isoformat(),
            "status": self.status,
            "inUse": self.in_use,
            "message": self.message,
        }


def days_left(not_after: datetime, now: datetime) -> int:
    """Whole days until ``not_after``, rounded up (negative once expired): "expires in 1 day"."""
    return math.ceil((not_after - now).total_seconds() / 86400)


def _new_certificate_step(source: str) -> str:
    if source == MetadataSource.URL:
        return "The console reads the new certificate from the metadata URL by itself."
    return "Then upload the provider's new metadata file here."


def certificate_status(
    info: CertificateInfo,
    now: datetime,
    *,
    in_use: bool | None = None,
    source: str = MetadataSource.URL,
) -> CertificateStatus:
    """Classify one certificate at ``now`` and say, truthfully, what it means and what to do."""
    rollover = (
        "Add a new certificate at the identity provider and make it active (Entra ID: Single "
        "sign-on > SAML Certificates). " + _new_certificate_step(source)
    )
    if info.is_expired(now):
        status = "expired"
        if in_use is False:
            message = (
                f"Expired on {info.not_after:%Y-%m-%d}. The identity provider signs with another "
                "certificate, so this one plays no part in sign-in; the identity provider can "
                "remove it."
            )
        else:
            used = (
                "The identity provider still signs with it, and sign-in keeps working"
                if in_use
                else "If the identity provider still signs with it, sign-in keeps working"
            )
            message = (
                f"Expired on {info.not_after:%Y-%m-%d}. {used}: the console trusts the "
                "certificates the metadata lists, whatever their dates. But it is overdue for "
                "replacement. " + rollover
            )
    elif info.not_after - now <= EXPIRY_WARNING:
        days = max(0, days_left(info.not_after, now))
        status = "expiring"
        used = "The identity provider signs with it. " if in_use else ""
        message = (
            f"Expires in {days} day{'s' if days != 1 else ''} ({info.not_after:%Y-%m-%d}). {used}"
            "Sign-in does not stop on that date, but replace it before then: " + rollover
        )
    else:
        status, message = "ok", f"Valid until {info.not_after:%Y-%m-%d}."
    return CertificateStatus(
        subject=info.subject,
        issuer=info.issuer,
        sha256_fingerprint=info.sha256_fingerprint,
        sha1_thumbprint=info.sha1_thumbprint,
        not_before=info.not_before,
        not_after=info.not_after,
        status=status,
        message=message,
        in_use=in_use,
    )


def provider_certificates(provider: AuthProvider, now: datetime) -> list[CertificateStatus]:
    """Return the provider's trusted signing certificates in metadata order, with their status."""
    infos = [CertificateInfo.from_der(der) for der in certificate_ders(provider)]
    signer = provider.signing_certificate_sha256
    signer_listed = any(i.sha256_fingerprint == signer for i in infos)
    return [
        certificate_status(
            info,
            now,
            in_use=(info.sha256_fingerprint == signer) if signer_listed else None,
            source=provider.metadata_source,
        )
        for info in infos
    ]


@dataclass(frozen=True)
class ProviderCertificateState:
    """The provider's state as far as certificates go: the one the IdP signs with, or would.

    ``learned`` tells whether ``certificate`` is known from accepted
    responses (else it is the longest-lived listed one).
    """

    certificate: CertificateStatus | None
    learned: bool
    days_left: int | None

    @property
    def status(self) -> str:
        return self.certificate.status if self.certificate else "none"

    @property
    def label(self) -> str:
        if self.certificate is None:
            return "None"
        if self.status == "ok":
            return "Valid"
        if self.status == "expiring":
            return f"Expires in {max(0, self.days_left)} day{'s' if self.days_left != 1 else ''}"
        return "Expired, still trusted" if self.learned else "Expired"

    @property
    def tone(self) -> str:
        """The badge colour: an expired certificate in use is a warning, not a failure."""
        return {"ok": "ok", "expiring": "expiring", "expired": "expiring"}.get(
            self.status, "expired"
        )

    @property
    def message(self) -> str:
        if self.certificate is None:
            return "The metadata lists no signing certificate."
        prefix = (
            "The identity provider signs with this certificate. "
            if self.learned
            else "No sign-in has shown yet which certificate the identity provider uses; "
            "this is the longest-lived one. "
        )
        return prefix + self.certificate.message


def certificate_state(provider: AuthProvider, now: datetime) -> ProviderCertificateState:
    """Return the provider's certificate state (see :class:`ProviderCertificateState`)."""
    certs = provider_certificates(provider, now)
    in_use = next((c for c in certs if c.in_use), None)
    chosen = in_use or max(certs, key=lambda c: c.not_after, default=None)
    return ProviderCertificateState(
        certificate=chosen,
        learned=in_use is not None,
        days_left=days_left(chosen.not_after, now) if chosen else None,
    )


def days_left_by_provider(now: datetime) -> list[dict]:
    """Days left on the certificate each provider signs with, for the metrics endpoint.

    One entry per provider of every tenant: ``{"tenantId", "providerId",
    "provider", "daysLeft", "learned"}``; ``daysLeft`` is negative once expired
    and ``None`` when the metadata lists no certificate.
    """
    rows = []
    for provider in AuthProvider.objects.order_by("tenant_id", "display_name").iterator():
        state = certificate_state(provider, now)
        rows.append(
            {
                "tenantId": str(provider.tenant_id),
                "providerId": str(provider.id),
                "provider": provider.display_name,
                "daysLeft": state.days_left,
                "learned": state.learned,
            }
        )
    return rows
