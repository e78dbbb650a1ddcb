"""Turn metadata bytes into a provider's cached fields, and decide when to look again.

Parsing belongs to the SAML core (``parse_idp_metadata``); fetching to
:mod:`ssoconsole.sso.metadata_fetch`. This module sits between them and the
model: it converts core refusals into domain errors the API and console show,
copies the parsed values onto the provider, and computes the next refresh.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from ssoconsole.saml.errors import SAMLError
from ssoconsole.saml.metadata import CertificateInfo, IdPMetadata, parse_idp_metadata
from ssoconsole.sso import errors as e
from ssoconsole.sso.errors import MetadataEmpty
from ssoconsole.sso.metadata_fetch import MAX_BYTES, MetadataFetcher
from ssoconsole.sso.models import AuthProvider

MIN_REFRESH = timedelta(hours=1)
MAX_REFRESH = timedelta(hours=24)
RETRY_AFTER_FAILURE = timedelta(hours=1)


@dataclass(frozen=True)
class LoadedMetadata:
    """The raw document and what the core read from it."""

    data: bytes
    parsed: IdPMetadata


def read_metadata(
    data: bytes | str,
    *,
    now: datetime,
    entity_id: str | None = None,
    allow_all_expired: bool = False,
) -> LoadedMetadata:
    """Parse metadata for storage, refusing what sign-in could not use.

    Beyond the core's checks, a document *given by an administrator* whose
    signing certificates have all expired is refused: certificate dates do
    not stop sign-in (keys are trusted because the metadata lists them), but
    such a document is nearly always an old copy. A scheduled refresh passes
    ``allow_all_expired``: it is the IdP's own current word, and an IdP that
    still signs with an expired certificate must keep working.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray)) or not data.strip():
        raise MetadataEmpty(
            "The metadata file is empty. Upload the federation metadata XML file of your "
            "identity provider.",
            field="metadataXml",
        )
    if len(data) > MAX_BYTES:
        raise e.MetadataTooLarge(
            f"The metadata file is larger than {MAX_BYTES // 1024} KiB, more than any single identity provider "
            "needs. Upload the metadata of one provider, not a federation's.",
            field="metadataXml",
        )
    try:
        parsed = parse_idp_metadata(
            bytes(data), entity_id=entity_id or None, now=now, max_bytes=MAX_BYTES
        )
        infos = parsed.certificates
    except SAMLError as exc:
        raise e.MetadataRejected(exc) from None
    if not allow_all_expired and infos and all(info.is_expired(now) for info in infos):
        latest = max(info.not_after for info in infos)
        raise e.MetadataCertificatesExpired(
            f"Every signing certificate in this metadata has expired (the latest on {latest:%Y-%m-%d}). "
            "Expiry alone does not stop sign-in here, but a document with only expired certificates is "
            "nearly always an old copy. Download the current metadata from the identity provider (Entra "
            "ID: SAML Certificates > Federation Metadata XML) and use that one.",
            field="metadata",
            details={"certificates": [_cert_summary(i) for i in infos]},
        )
    return LoadedMetadata(bytes(data), parsed)


def obtain_metadata(
    *,
    metadata_xml: bytes | str | None,
    metadata_url: str | None,
    entity_id: str | None,
    now: datetime,
    fetcher: MetadataFetcher | None = None,
    allow_all_expired: bool = False,
) -> LoadedMetadata:
    """Read an uploaded document, or download one from ``metadata_url``; exactly one must be given."""
    if (metadata_xml is None) == (metadata_url is None):
        raise e.MetadataSourceRequired(
            "Give the provider's metadata either as a URL or as an uploaded file, not both and not neither.",
            field="metadata",
        )
    if metadata_url is not None:
        metadata_xml = (fetcher or MetadataFetcher()).fetch(metadata_url)
    return read_metadata(
        metadata_xml, now=now, entity_id=entity_id, allow_all_expired=allow_all_expired
    )


# The model fields apply_metadata writes, for save(update_fields=...).
METADATA_FIELDS = [
    "metadata_xml",
    "metadata_sha256",
    "entity_id",
    "sso_url_redirect",
    "sso_url_post",
    "signing_certificates",
    "name_id_formats",
    "want_authn_requests_signed",
    "valid_until",
    "cache_duration",
    "known_certificates",
]
# How many certificates a provider's history keeps (Entra lists at most a few at a time).
KNOWN_CERTIFICATES = 50


def apply_metadata(provider: AuthProvider, loaded: LoadedMetadata) -> None:
    """Copy the document and its parsed values onto ``provider`` (not saved).

    The certificate list is replaced as a whole: a new signing certificate is
    trusted from now on, and one that left the metadata is no longer trusted.
    """
    parsed = loaded.parsed
    provider.metadata_xml = loaded.data
    provider.metadata_sha256 = hashlib.sha256(loaded.data).hexdigest()
    provider.entity_id = parsed.entity_id
    provider.sso_url_redirect = parsed.sso_url_redirect or ""
    provider.sso_url_post = parsed.sso_url_post or ""
    provider.signing_certificates = [
        base64.b64encode(der).decode("ascii") for der in parsed.signing_certificates
    ]
    provider.name_id_formats = list(parsed.name_id_formats)
    provider.want_authn_requests_signed = parsed.want_authn_requests_signed
    provider.valid_until = parsed.valid_until
    provider.cache_duration = parsed.cache_duration
    remember_certificates(provider, parsed.certificates)


def remember_certificates(provider: AuthProvider, infos) -> None:
    """Add the listed certificates to the provider's history (newest last, bounded)."""
    known = [k for k in provider.known_certificates or [] if isinstance(k, dict)]
    seen = {k.get("sha256") for k in known}
    for info in infos:
        if info.sha256_fingerprint not in seen:
            known.append({"sha256": info.sha256_fingerprint, "subject": info.subject[:256]})
            seen.add(info.sha256_fingerprint)
    provider.known_certificates = known[-KNOWN_CERTIFICATES:]


def certificate_ders(provider: AuthProvider) -> tuple[bytes, ...]:
    """Return the provider's trusted signing certificates as DER."""
    return tuple(base64.b64decode(c) for c in provider.signing_certificates)


def next_refresh(
    now: datetime, *, cache_duration: timedelta | None, valid_until: datetime | None
) -> datetime:
    """Return when to fetch URL-sourced metadata again.

    SAML Metadata 4.3 lets cacheDuration and validUntil bound how long a copy
    may be used; we refresh after the cache duration (one day without one),
    before validUntil, and never more than hourly nor less than daily.
    """
    interval = cache_duration if cache_duration and cache_duration > timedelta(0) else MAX_REFRESH
    if valid_until is not None:
        # Refresh at half the remaining life, so a failure leaves time to retry before it expires.
        interval = min(interval, (valid_until - now) / 2)
    return now + min(max(interval, MIN_REFRESH), MAX_REFRESH)


def metadata_snapshot(provider: AuthProvider) -> dict:
    """Describe what sign-in trusts from the metadata, for audit before/after comparisons.

    Only the entity ID, the endpoints and the signing keys: an IdP that signs
    its document afresh on every download (or moves validUntil forward)
    changes bytes, not trust, and must not be audited as a change.
    """
    return {
        "entityId": provider.entity_id,
        "ssoUrlRedirect": provider.sso_url_redirect,
        "ssoUrlPost": provider.sso_url_post,
        "signingCertificates": [
            CertificateInfo.from_der(d).sha256_fingerprint for d in certificate_ders(provider)
        ],
    }


def _cert_summary(info: CertificateInfo) -> dict:
    return {
        "subject": info.subject,
        "sha256Fingerprint": info.sha256_fingerprint,
        "notAfter": info.not_after.isoformat(),
    }
