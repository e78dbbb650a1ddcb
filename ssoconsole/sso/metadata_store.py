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
    data: bytes | str, *, now: datetime, entity_id: str | None = None
) -> LoadedMetadata:
    """Parse metadata for storage, refusing what sign-in could not use.

    Beyond the core's checks, metadata whose signing certificates have all
    expired is refused here: the IdP cannot be signing with any of them, so
    storing it would only move the failure to the first sign-in.
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
    if infos and all(info.is_expired(now) for info in infos):
        latest = max(info.not_after for info in infos)
        raise e.MetadataCertificatesExpired(
            f"Every signing certificate in the metadata has expired (the latest on {latest:%Y-%m-%d}). Activate a "
            "current signing certificate at the identity provider, then download its metadata again.",
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
) -> LoadedMetadata:
    """Read an uploaded document, or download one from ``metadata_url``; exactly one must be given."""
    if (metadata_xml is None) == (metadata_url is None):
        raise e.MetadataSourceRequired(
            "Give the provider's metadata either as a URL or as an uploaded file, not both and not neither.",
            field="metadata",
        )
    if metadata_url is not None:
        metadata_xml = (fetcher or MetadataFetcher()).fetch(metadata_url)
    return read_metadata(metadata_xml, now=now, entity_id=entity_id)


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
]


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
    """Describe the trusted metadata values for audit before/after comparisons."""
    return {
        "entityId": provider.entity_id,
        "ssoUrlRedirect": provider.sso_url_redirect,
        "ssoUrlPost": provider.sso_url_post,
        "signingCertificates": [
            CertificateInfo.from_der(d).sha256_fingerprint for d in certificate_ders(provider)
        ],
        "validUntil": provider.valid_until.isoformat() if provider.valid_until else None,
        "metadataSha256": provider.metadata_sha256,
    }


def _cert_summary(info: CertificateInfo) -> dict:
    return {
        "subject": info.subject,
        "sha256Fingerprint": info.sha256_fingerprint,
        "notAfter": info.not_after.isoformat(),
    }
