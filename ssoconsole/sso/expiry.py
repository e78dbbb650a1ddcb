"""Warn identity administrators, where they look, before the certificate their IdP signs with expires.

Two places, at the same moments (30, 7 and 1 days before, and once expired):

* a banner on the dashboard, for users who manage identity providers
  (:func:`expiry_warnings`, read on each visit);
* an e-mail to the tenant's active identity administrators when SMTP is
  configured (:func:`send_expiry_notices`, run by the scheduler thread, never
  by a request), once per threshold and certificate: the provider row keeps
  the smallest threshold already mailed for that certificate
  (``expiry_notice``), and a row lock makes one process send it.

The certificate is the one the IdP signs with, learned from sign-ins
(:func:`ssoconsole.sso.certificates.certificate_state`). Expiry does not
stop sign-in here (keys are trusted because the metadata lists them), and
the words say so.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.urls import reverse

from ssoconsole.accounts.models import User
from ssoconsole.accounts.roles import Role
from ssoconsole.audit.log import record
from ssoconsole.audit.models import Outcome
from ssoconsole.core import mail, urls
from ssoconsole.sso.certificates import WARNING_DAYS, certificate_state
from ssoconsole.sso.models import AuthProvider, MetadataSource

log = logging.getLogger("ssoconsole.sso.expiry")


@dataclass(frozen=True)
class ExpiryWarning:
    """One provider whose signing certificate expires within 30 days (or has expired)."""

    provider: AuthProvider
    days_left: int
    threshold: int  # 30, 7, 1, or 0 once expired
    thumbprint: str
    not_after: datetime
    learned: bool

    @property
    def level(self) -> str:
        """``warning`` from 30 days, ``danger`` from 7 days: the banner's colour."""
        return "warning" if self.threshold >= 30 else "error"

    @property
    def headline(self) -> str:
        name = self.provider.display_name
        if self.days_left <= 0:
            return f"The signing certificate of “{name}” expired on {self.not_after:%Y-%m-%d}."
        days = f"{self.days_left} day{'s' if self.days_left != 1 else ''}"
        return (
            f"The signing certificate of “{name}” expires in {days}, on {self.not_after:%Y-%m-%d}."
        )

    @property
    def advice(self) -> str:
        which = (
            "the identity provider signs with it"
            if self.learned
            else "no sign-in has shown which certificate the identity provider uses; this is "
            "the longest-lived one"
        )
        if self.provider.metadata_source == MetadataSource.URL:
            then = "The console reads the new certificate from the metadata URL by itself."
        else:
            then = "Then upload the provider's new metadata file in the console."
        return (
            f"Thumbprint {self.thumbprint}; {which}. Sign-in does not stop on that date (the "
            "console trusts the certificates the metadata lists), but replace it now: add a new "
            "certificate at the identity provider and make it active (Entra ID: Single sign-on > "
            f"SAML Certificates). {then}"
        )


def threshold_for(days_left: int) -> int | None:
    """Return the warning threshold ``days_left`` has reached (30, 7, 1, 0), or ``None``."""
    if days_left <= 0:
        return 0
    reached = [t for t in WARNING_DAYS if days_left <= t]
    return min(reached) if reached else None


def warning_for(provider: AuthProvider, now: datetime) -> ExpiryWarning | None:
    state = certificate_state(provider, now)
    if state.certificate is None or state.days_left is None:
        return None
    threshold = threshold_for(state.days_left)
    if threshold is None:
        return None
    return ExpiryWarning(
        provider=provider,
        days_left=state.days_left,
        threshold=threshold,
        thumbprint=state.certificate.sha1_thumbprint,
        not_after=state.certificate.not_after,
        learned=state.learned,
    )


def expiry_warnings(tenant, now: datetime) -> list[ExpiryWarning]:
    """Return the tenant's providers whose signing certificate needs attention, soonest first."""
    found = [
        w
        for w in (warning_for(p, now) for p in AuthProvider.objects.filter(tenant=tenant))
        if w is not None
    ]
    return sorted(found, key=lambda w: w.days_left)


def recipients(tenant) -> list[str]:
    """The tenant's active identity administrators' addresses (their e-mail, else an e-mail username)."""
    admins = User.objects.filter(
        tenant=tenant, is_active=True, roles__role=Role.IDENTITY_ADMIN
    ).distinct()
    found = []
    for user in admins.order_by("username"):
        address = user.email or (user.username if "@" in user.username else "")
        if address and address not in found:
            found.append(address)
    return found


def send_expiry_notices(now: datetime) -> int:
    """E-mail each provider's identity admins once per reached threshold; return messages sent.

    Called by the scheduler thread. Without SMTP configured it does nothing
    (the dashboard banner still warns). A provider is claimed under a row
    lock and its ``expiry_notice`` updated only after the mail went out, so
    a failed send is retried on the next round and a sent one never twice.
    """
    if not mail.mail_configured():
        return 0
    sent = 0
    for provider_id in AuthProvider.objects.values_list("id", flat=True):
        try:
            sent += _notify(provider_id, now)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("expiry e-mail not sent provider=%s: %s", provider_id, exc)
    return sent


def _notify(provider_id, now: datetime) -> int:
    with transaction.atomic():
        provider = (
            AuthProvider.objects.select_for_update()
            .select_related("tenant")
            .filter(id=provider_id)
            .first()
        )
        if provider is None:
            return 0
        warning = warning_for(provider, now)
        if warning is None or not _due(provider.expiry_notice, warning):
            return 0
        to = recipients(provider.tenant)
        count = mail.send(
            f"[ssoconsole] {warning.headline}", _body(warning), to
        )  # inside the lock: a second process waits, then sees the notice recorded
        provider.expiry_notice = {"thumbprint": warning.thumbprint, "days": warning.threshold}
        provider.save(update_fields=["expiry_notice"])
        record(
            "auth_provider.expiry_notice_sent",
            tenant=provider.tenant,
            actor_label="system",
            target=provider,
            outcome=Outcome.SUCCESS if count else Outcome.FAILURE,
            reason_code="" if count else "no_recipients",
            data={
                "thumbprintSha1": warning.thumbprint,
                "daysLeft": warning.days_left,
                "threshold": warning.threshold,
                "recipients": len(to),
            },
        )
        return count


def _due(notice: dict, warning: ExpiryWarning) -> bool:
    """Send when the certificate changed or a smaller threshold was reached since the last mail."""
    if not isinstance(notice, dict) or notice.get("thumbprint") != warning.thumbprint:
        return True
    days = notice.get("days")
    return not isinstance(days, int) or warning.threshold < days


def _body(warning: ExpiryWarning) -> str:
    page = urls.absolute(reverse("console:identity_provider", args=[warning.provider.id]))
    return (
        f"{warning.headline}\n\n{warning.advice}\n\nProvider details: {page}\n\n"
        "You receive this because you are an Identity Management Administrator of "
        f"{warning.provider.tenant.name} in ssoconsole. The next reminders come 7 and 1 days "
        "before the date.\n"
    )
