"""An identity provider's signing-certificate rollover, announced or not, costs no sign-in.

Keys are trusted because the provider's metadata lists them (SAML Metadata
2.4.1.1). When an IdP starts signing with a certificate its metadata did not
list when the console last read it (Entra ID: a new certificate made active
at once), the response names an unknown key. For a provider whose metadata
comes from a URL, the console then downloads the metadata once, right away,
and checks the response once more: if the IdP's own metadata now lists the
key, the sign-in goes through.

Forged posts must not turn that into a flood of downloads, so the refresh
is claimed per provider in the database (one conditional ``UPDATE``, atomic
for every process sharing the database) at most once per
:data:`REFRESH_ON_UNKNOWN_KEY`; the refresh itself is audited whether it
worked or not. The SAML core stays pure: it only reports the unknown key;
this module, in the application, decides to refresh.

A key that stays unknown is explained by what the console can tell apart:
a certificate this provider listed before and dropped, a new one that looks
like the provider's own (same subject) but is not listed yet, or a key
unlike any this provider ever used.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Q

from ssoconsole.saml.assertion import Assertion
from ssoconsole.saml.metadata import CertificateInfo
from ssoconsole.saml.thumbprints import sha256_fingerprint
from ssoconsole.saml.xmldsig import SignatureUntrustedKey
from ssoconsole.sso import errors as e
from ssoconsole.sso import errors as r
from ssoconsole.sso.metadata_store import certificate_ders
from ssoconsole.sso.models import AuthProvider, MetadataSource

log = logging.getLogger("ssoconsole.sso.rollover")

REFRESH_ON_UNKNOWN_KEY = timedelta(minutes=5)
# A provider's signing-certificate record is rewritten at most this often when it did not change.
SIGNER_NOTE_INTERVAL = timedelta(hours=1)
ACTOR_LABEL = "system:unknown-signing-key"


def claim_refresh(provider_id, *, now: datetime) -> bool:
    """Take this interval's one refresh-on-unknown-key of a URL provider; return whether we got it."""
    free = Q(unknown_key_refresh_at__isnull=True) | Q(
        unknown_key_refresh_at__lte=now - REFRESH_ON_UNKNOWN_KEY
    )
    claimed = AuthProvider.objects.filter(
        free, id=provider_id, metadata_source=MetadataSource.URL
    ).update(unknown_key_refresh_at=now)
    return claimed == 1


def validate_with_rollover(
    provider: AuthProvider, validate: Callable[[], Assertion], *, now: datetime
) -> Assertion:
    """Run ``validate``; on an unknown signing key, refresh once (if allowed) and run it once more.

    ``provider`` is refreshed in place, so ``validate`` sees the new
    certificates. A key still unknown afterwards raises the refusal that
    names its likely cause.
    """
    try:
        return validate()
    except SignatureUntrustedKey as exc:
        refreshed = _refresh(provider, exc, now=now)
        if refreshed and exc.signer_sha256 in _listed(provider):
            return validate()
        raise explain_unknown_key(provider, exc, refreshed=refreshed, now=now) from None


def _refresh(provider: AuthProvider, exc: SignatureUntrustedKey, *, now: datetime) -> bool:
    """Download the provider's metadata now if its interval allows; return whether it succeeded."""
    from ssoconsole.sso.refresh import refresh_metadata  # refresh imports the sign-in side's models

    if provider.metadata_source != MetadataSource.URL or not claim_refresh(provider.id, now=now):
        return False
    try:
        outcome = refresh_metadata(
            provider,
            actor_label=ACTOR_LABEL,
            now=now,
            reason={"trigger": "unknownSigningKey", "signerThumbprintSha1": exc.actual},
        )
    except (e.RefreshInProgress, e.RefreshNotApplicable):
        # Another process is downloading it right now: read what it stored.
        provider.refresh_from_db()
        return True
    log.info(
        "refresh on unknown signing key provider=%s ok=%s changed=%s",
        provider.id,
        outcome.ok,
        outcome.changed,
    )
    return outcome.ok


def _listed(provider: AuthProvider) -> set[str]:
    return {CertificateInfo.from_der(d).sha256_fingerprint for d in certificate_ders(provider)}


def explain_unknown_key(
    provider: AuthProvider, exc: SignatureUntrustedKey, *, refreshed: bool, now: datetime
) -> r.SSORefusal:
    """Return the refusal for a key the metadata does not list, by what the console can tell."""
    thumbprint = exc.actual
    subject = exc.context.get("signer_subject") or "unreadable"
    known = [k for k in provider.known_certificates or [] if isinstance(k, dict)]
    context = {
        "signer_thumbprint_sha1": thumbprint,
        "signer_sha256": exc.signer_sha256,
        "signer_subject": subject,
        "trusted_thumbprints_sha1": exc.expected,
    }
    if any(k.get("sha256") == exc.signer_sha256 for k in known):
        return r.SigningKeyRetired(
            f"The identity provider signed with the certificate of thumbprint {thumbprint}, which "
            "this provider's metadata listed before but no longer lists.",
            **context,
        )
    where = _where_the_metadata_stands(provider, refreshed=refreshed, now=now)
    if any(k.get("subject") == subject for k in known):
        return r.SigningKeyNotListedYet(
            f"The response was signed with a certificate of thumbprint {thumbprint} named like "
            f"this provider's own ({subject}), which its metadata does not list. {where}",
            **context,
        )
    return r.SigningKeyForeign(
        f"The response was signed with a certificate unlike any this provider has used "
        f"(thumbprint {thumbprint}, subject {subject}). {where}",
        **context,
    )


def _where_the_metadata_stands(provider: AuthProvider, *, refreshed: bool, now: datetime) -> str:
    """Say how current the console's copy of the metadata is, and what happens next."""
    if provider.metadata_source != MetadataSource.URL:
        return (
            "This provider's metadata is an uploaded file: if the identity provider has a new "
            "certificate with this thumbprint, upload its current metadata."
        )
    if refreshed:
        return (
            "The console downloaded the metadata again just now, and the identity provider's "
            "own metadata does not list it either."
        )
    last = provider.unknown_key_refresh_at
    retry = (last + REFRESH_ON_UNKNOWN_KEY) if last else now
    return (
        "The console downloads the metadata again on an unknown key at most every "
        f"{int(REFRESH_ON_UNKNOWN_KEY.total_seconds() // 60)} minutes; the next such download can "
        f"happen from {retry:%H:%M:%S} UTC."
    )


def note_signing_certificate(
    provider: AuthProvider, assertion: Assertion, *, now: datetime
) -> None:
    """Remember which certificate the provider signs with, learned from an accepted response.

    Written only when it changed or an hour passed, so sign-ins do not all
    write the provider row. Its expiry is what the list badge and the
    expiry warnings are about.
    """
    der = assertion.signing_certificate
    if not der:
        return
    sha256 = sha256_fingerprint(der)  # a hash, not a parse: this runs on every sign-in
    seen = provider.signing_certificate_seen_at
    if (
        sha256 == provider.signing_certificate_sha256
        and seen is not None
        and now - seen < SIGNER_NOTE_INTERVAL
    ):
        return
    AuthProvider.objects.filter(id=provider.id).update(
        signing_certificate_sha256=sha256, signing_certificate_seen_at=now
    )
    provider.signing_certificate_sha256, provider.signing_certificate_seen_at = sha256, now
