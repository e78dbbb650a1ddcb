"""Read an identity provider's SAML 2.0 metadata into what the SP trusts.

Parsing is separate from fetching: the application downloads or receives the
bytes and passes them in with the clock. Only the ``IDPSSODescriptor`` of the
chosen entity is read (SAML Metadata 2.4.3); WS-Federation
``RoleDescriptor`` elements, which Entra ID and AD FS add with keys of their
own, and any ``SPSSODescriptor`` are ignored, so a key that the IdP publishes
for another protocol never becomes a key the SP trusts.

When the caller passes trusted certificates, the document's own signature is
verified first and everything is read from the element that signature covers.
"""

from __future__ import annotations

import base64
import binascii
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.utils import CryptographyDeprecationWarning
from lxml import etree

from .config import BINDING_POST, BINDING_REDIRECT, IdentityProvider, ValidationPolicy
from .errors import (  # noqa: F401 - re-exported: callers import them from here too
    MetadataCertificateUnreadable,
    MetadataEndpointInvalid,
    MetadataEntityAmbiguous,
    MetadataEntityNotFound,
    MetadataError,
    MetadataExpired,
    MetadataIncomplete,
    MetadataInvalidValue,
    MetadataNoIdP,
    MetadataNoSigningCertificate,
    MetadataNoSSOEndpoint,
    MetadataNotSAML,
    MetadataNotXML,
    MetadataSignatureInvalid,
    MetadataUnsigned,
    SAMLError,
)
from .thumbprints import sha1_thumbprint, sha256_fingerprint
from .xml import NS, XMLMalformed, parse_untrusted
from .xmldsig import verify_signed_element

MD = NS["md"]
DS = NS["ds"]
SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
DEFAULT_MAX_METADATA_BYTES = 4 * 1024 * 1024
_LISTED_ENTITY_IDS = 20
_T = TypeVar("_T", datetime, timedelta)


# --- Result types ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateInfo:
    """Describe a certificate for display, so administrators can compare it with their IdP.

    Both digests are written in one notation, uppercase hex without separators,
    because that is how Entra ID shows its "Thumbprint" (SHA-1): an
    administrator compares the strings character for character.
    """

    subject: str
    issuer: str
    sha256_fingerprint: str
    sha1_thumbprint: str
    serial_number: int
    not_before: datetime
    not_after: datetime

    @classmethod
    def from_der(cls, der: bytes) -> CertificateInfo:
        """Read the fields an administrator compares from a DER certificate."""
        try:
            cert = _load_der(der)
        except ValueError as exc:
            raise MetadataCertificateUnreadable(f"The certificate cannot be read: {exc}.") from None
        with warnings.catch_warnings():  # see _load_der: non-positive serials exist in the wild
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            serial_number = cert.serial_number
        return cls(
            subject=cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            sha256_fingerprint=sha256_fingerprint(der),
            sha1_thumbprint=sha1_thumbprint(der),
            serial_number=serial_number,
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
        )

    def is_expired(self, now: datetime) -> bool:
        """Tell whether the certificate's validity has ended at ``now``.

        SAML does not require the SP to enforce certificate validity periods
        (SAML Metadata 2.4.1.1 treats keys as trusted by inclusion), so an
        expired certificate is shown, not refused.
        """
        return now >= self.not_after


@dataclass(frozen=True)
class IdPMetadata:
    """What one identity provider's metadata says, read from its IDPSSODescriptor only."""

    entity_id: str
    sso_urls: Mapping[str, str] = field(hash=False)
    signing_certificates: tuple[bytes, ...]
    name_id_formats: tuple[str, ...] = ()
    want_authn_requests_signed: bool = False
    valid_until: datetime | None = None
    cache_duration: timedelta | None = None
    signature_verified: bool = False

    @property
    def sso_url_redirect(self) -> str | None:
        """Return the HTTP-Redirect single sign-on URL, if the IdP has one."""
        return self.sso_urls.get(BINDING_REDIRECT)

    @property
    def sso_url_post(self) -> str | None:
        """Return the HTTP-POST single sign-on URL, if the IdP has one."""
        return self.sso_urls.get(BINDING_POST)

    @property
    def certificates(self) -> tuple[CertificateInfo, ...]:
        """Describe every signing certificate, in metadata order, for the console."""
        return tuple(CertificateInfo.from_der(der) for der in self.signing_certificates)

    def expired_certificates(self, now: datetime) -> tuple[CertificateInfo, ...]:
        """Return the signing certificates whose validity ended before ``now``."""
        return tuple(info for info in self.certificates if info.is_expired(now))

    def identity_provider(self) -> IdentityProvider:
        """Build the configuration the response validator trusts."""
        return IdentityProvider(
            entity_id=self.entity_id,
            signing_certificates=self.signing_certificates,
            sso_url_redirect=self.sso_url_redirect,
            sso_url_post=self.sso_url_post,
        )


# --- Parsing -----------------------------------------------------------------------------------


def parse_idp_metadata(
    data: bytes,
    *,
    entity_id: str | None = None,
    now: datetime,
    trusted_certificates: Sequence[bytes] = (),
    policy: ValidationPolicy | None = None,
    max_bytes: int = DEFAULT_MAX_METADATA_BYTES,
) -> IdPMetadata:
    """Parse IdP metadata bytes into the settings the SP may trust, or raise a MetadataError.

    ``entity_id`` picks the IdP out of an ``EntitiesDescriptor``; it is
    optional when exactly one IdP is present. ``trusted_certificates`` (DER
    or PEM) turn on verification of the metadata's own signature (SAML
    Metadata 3.1), with ``policy`` choosing the accepted algorithms.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    root = _parse(data, max_bytes)
    if root.tag not in (f"{{{MD}}}EntityDescriptor", f"{{{MD}}}EntitiesDescriptor"):
        raise MetadataNotSAML(
            "The document is XML but not SAML 2.0 metadata.",
            expected="md:EntityDescriptor or md:EntitiesDescriptor",
            actual=_display_tag(root),
        )
    verified = False
    if trusted_certificates:
        root, verified = _verify(root, trusted_certificates, policy or ValidationPolicy()), True
    entity = _choose_entity(root, entity_id)
    idp = _idp_descriptor(entity)
    chosen_id = entity.get("entityID", "")
    valid_until = _earliest(_datetime_attr(e, "validUntil") for e in _scopes(entity, idp))
    if valid_until is not None and valid_until <= now:
        raise MetadataExpired(
            f"The metadata of {chosen_id} expired on {valid_until.isoformat()} (validUntil).",
            expected=f"validUntil after {now.isoformat()}",
            actual=valid_until.isoformat(),
        )
    cache_duration = _earliest(_duration_attr(e, "cacheDuration") for e in _scopes(entity, idp))
    return IdPMetadata(
        entity_id=chosen_id,
        sso_urls=_sso_urls(idp),
        signing_certificates=_signing_certificates(idp, chosen_id),
        name_id_formats=_unique(
            (e.text or "").strip() for e in idp.findall(f"{{{MD}}}NameIDFormat")
        ),
        want_authn_requests_signed=idp.get("WantAuthnRequestsSigned") in ("true", "1"),
        valid_until=valid_until,
        cache_duration=cache_duration,
        signature_verified=verified,
    )


_HTML = re.compile(rb"(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html)\b", re.I | re.S)


def _parse(data: bytes, max_bytes: int) -> etree._Element:
    """Parse with the hardened parser after removing what editors and Entra ID add."""
    if isinstance(data, (bytes, bytearray)):
        # Entra ID serves its federation metadata with a UTF-8 byte order mark, and
        # files saved by hand often start with blank lines before the declaration.
        data = bytes(data).removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
        if _HTML.match(data[:1024]):
            raise MetadataNotXML("The file is a web page (HTML), not SAML metadata.")
    try:
        return parse_untrusted(data, max_bytes=max_bytes)
    except XMLMalformed as exc:
        # A document that opens with markup is XML that broke on the way (truncated, edited),
        # not "not XML": each gets the one explanation that fits it.
        if isinstance(data, (bytes, bytearray)) and bytes(data[:1]) == b"<":
            raise MetadataIncomplete(exc.detail) from None
        raise MetadataNotXML(exc.detail) from None


def _verify(
    root: etree._Element, trusted: Sequence[bytes], policy: ValidationPolicy
) -> etree._Element:
    """Verify the signature on the document element and return what it covers.

    SAML Metadata 3.1: metadata is signed with an enveloped XML signature on
    the root (EntityDescriptor or EntitiesDescriptor). Only a signature on
    the document element counts, and reading from the returned element keeps
    unsigned wrappers and comments from supplying the data.
    """
    if root.find(f"{{{DS}}}Signature") is None:
        raise MetadataUnsigned(
            "The metadata is not signed, but a metadata signing certificate is configured."
        )
    certificates = tuple(_to_der(c) for c in trusted)
    try:
        return verify_signed_element(root, certificates, policy=policy)
    except SAMLError as exc:
        reason = exc.detail or (type(exc).__doc__ or exc.code).strip().splitlines()[0]
        raise MetadataSignatureInvalid(
            f"The metadata signature was refused: {reason.rstrip('.')}.", reason=exc.code
        ) from exc


def _to_der(certificate: bytes) -> bytes:
    """Accept a trusted certificate as DER or PEM and return DER."""
    try:
        if certificate.lstrip().startswith(b"-----BEGIN"):
            cert = x509.load_pem_x509_certificate(certificate)
            return cert.public_bytes(serialization.Encoding.DER)
        _load_der(bytes(certificate))
    except (ValueError, x509.InvalidVersion):
        raise MetadataCertificateUnreadable(
            "The trusted metadata signing certificate cannot be read."
        ) from None
    return bytes(certificate)


def _entities(root: etree._Element) -> list[etree._Element]:
    """List every EntityDescriptor, including those in nested EntitiesDescriptors (2.3.1)."""
    if root.tag == f"{{{MD}}}EntityDescriptor":
        return [root]
    return list(root.iter(f"{{{MD}}}EntityDescriptor"))


def _saml2_idp_descriptors(entity: etree._Element) -> list[etree._Element]:
    """Return the IDPSSODescriptors that support SAML 2.0 (protocolSupportEnumeration, 2.4.1)."""
    return [
        d
        for d in entity.findall(f"{{{MD}}}IDPSSODescriptor")
        if SAML2_PROTOCOL in (d.get("protocolSupportEnumeration") or "").split()
    ]


def _choose_entity(root: etree._Element, entity_id: str | None) -> etree._Element:
    """Pick the one identity provider entity, by entityID when several are listed."""
    entities = _entities(root)
    idps = [e for e in entities if _saml2_idp_descriptors(e)]
    idp_ids = [e.get("entityID", "") for e in idps]
    if entity_id is not None:
        matches = [e for e in idps if e.get("entityID") == entity_id]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise MetadataEntityAmbiguous(
                f"The entity ID {entity_id} is listed {len(matches)} times.",
                actual=entity_id,
            )
        if not idps:
            raise _no_idp(entities)
        raise MetadataEntityNotFound(
            f"No identity provider with entity ID {entity_id} is in the metadata; "
            f"found: {_list(idp_ids)}.",
            expected=entity_id,
            actual=idp_ids[:_LISTED_ENTITY_IDS],
        )
    if len(idps) == 1:
        return idps[0]
    if not idps:
        raise _no_idp(entities)
    raise MetadataEntityAmbiguous(
        f"The metadata lists {len(idps)} identity providers: {_list(idp_ids)}. "
        "Choose one by its entity ID.",
        actual=idp_ids[:_LISTED_ENTITY_IDS],
    )


def _no_idp(entities: list[etree._Element]) -> MetadataNoIdP:
    """Explain what was found instead of an identity provider."""
    roles = sorted(
        {_display_tag(c) for e in entities for c in e if isinstance(c.tag, str)}
        - {"ds:Signature", "md:Extensions", "md:Organization", "md:ContactPerson"}
    )
    if any(e.find(f"{{{MD}}}SPSSODescriptor") is not None for e in entities):
        detail = (
            "The metadata describes a service provider (SPSSODescriptor), not an identity provider."
        )
    else:
        detail = "The metadata contains no SAML 2.0 identity provider (IDPSSODescriptor)."
    return MetadataNoIdP(detail, expected="md:IDPSSODescriptor", actual=roles)


def _idp_descriptor(entity: etree._Element) -> etree._Element:
    """Return the entity's first SAML 2.0 IDPSSODescriptor."""
    return _saml2_idp_descriptors(entity)[0]


def _signing_certificates(idp: etree._Element, entity_id: str) -> tuple[bytes, ...]:
    """Collect every signing certificate of the IDPSSODescriptor, in order, without repeats.

    SAML Metadata 2.4.1.1: a KeyDescriptor without ``use`` serves both
    signing and encryption; several are listed during a certificate rollover
    and all of them are trusted.
    """
    ders: list[bytes] = []
    for position, kd in enumerate(idp.findall(f"{{{MD}}}KeyDescriptor"), start=1):
        if kd.get("use") not in (None, "signing"):
            continue
        for element in kd.iterfind(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate"):
            der = _decode_certificate(element.text or "", position)
            if der not in ders:
                ders.append(der)
    if not ders:
        raise MetadataNoSigningCertificate(
            f"The identity provider {entity_id} lists no X.509 signing certificate.",
            expected='KeyDescriptor use="signing" with ds:X509Certificate',
            actual="none",
        )
    return tuple(ders)


def _decode_certificate(text: str, position: int) -> bytes:
    """Decode one ds:X509Certificate (base64 DER, XML-DSig 4.4.4) and check it is X.509."""
    try:
        der = base64.b64decode("".join(text.split()), validate=True)
        _load_der(der)
    except (binascii.Error, ValueError, x509.InvalidVersion) as exc:
        # InvalidVersion is no ValueError: a certificate whose version field is not v1-v3 (found by atheris).
        raise MetadataCertificateUnreadable(
            f"Signing certificate number {position} in the IDPSSODescriptor cannot be read "
            f"({exc}).",
            position=position,
        ) from None
    return der


def _load_der(der: bytes) -> x509.Certificate:
    """Load a DER certificate, tolerating what deployed IdP certificates get wrong.

    Some IdPs (OneLogin among the samples) publish certificates with a
    non-positive serial number, which RFC 5280 forbids but which does not
    affect signature checks; only the deprecation warning is silenced.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return x509.load_der_x509_certificate(der)


def _sso_urls(idp: etree._Element) -> Mapping[str, str]:
    """Map the Redirect and POST bindings to the first endpoint of each (Metadata 2.4.3).

    Only absolute http(s) locations are accepted: the browser is sent there.
    """
    urls: dict[str, str] = {}
    found: list[str] = []
    for endpoint in idp.findall(f"{{{MD}}}SingleSignOnService"):
        binding = endpoint.get("Binding", "")
        found.append(binding)
        if binding not in (BINDING_REDIRECT, BINDING_POST) or binding in urls:
            continue
        location = (endpoint.get("Location") or "").strip()
        if not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", location, flags=re.IGNORECASE):
            raise MetadataEndpointInvalid(
                f"The {binding.rsplit(':', 1)[-1]} sign-in URL is not an absolute http(s) URL.",
                expected="https://...",
                actual=location[:200],
            )
        urls[binding] = location
    if not urls:
        raise MetadataNoSSOEndpoint(
            "The identity provider lists no single sign-on endpoint this service can use.",
            expected=[BINDING_REDIRECT, BINDING_POST],
            actual=found,
        )
    return MappingProxyType(urls)


def _scopes(entity: etree._Element, idp: etree._Element) -> list[etree._Element]:
    """Return the role, its entity and every enclosing EntitiesDescriptor.

    SAML Metadata 2.3.1/2.3.2/2.4.1: validUntil and cacheDuration may appear
    on each of them and the strictest one applies.
    """
    return [idp, entity, *entity.iterancestors(f"{{{MD}}}EntitiesDescriptor")]


_DATETIME = re.compile(r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")


def parse_datetime(value: str) -> datetime:
    """Parse an xs:dateTime; SAML Core 1.3.3 times without a zone are UTC."""
    value = value.strip()
    if not _DATETIME.fullmatch(value):
        raise ValueError(f"not an xs:dateTime: {value[:40]!r}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


_DURATION = re.compile(
    r"(?P<sign>-)?P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)


def parse_duration(value: str) -> timedelta:
    """Parse an xs:duration (XML Schema 2, 3.2.6) as used by cacheDuration.

    Years count as 365 days and months as 30: a cache lifetime needs no
    calendar arithmetic.
    """
    value = value.strip()
    match = _DURATION.fullmatch(value)
    if not match or value.endswith(("P", "T")):
        raise ValueError(f"not an xs:duration: {value[:40]!r}")
    parts = {k: float(v) for k, v in match.groupdict().items() if v and k != "sign"}
    delta = timedelta(
        days=parts.get("years", 0) * 365 + parts.get("months", 0) * 30 + parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )
    return -delta if match.group("sign") else delta


def format_duration(delta: timedelta) -> str:
    """Write a non-negative timedelta as an xs:duration in days, hours, minutes, seconds."""
    if delta < timedelta(0):
        raise ValueError("a cache duration cannot be negative")
    total = int(delta.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    text = "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return text if text != "P" else "PT0S"


def _datetime_attr(element: etree._Element, name: str) -> datetime | None:
    """Read an optional xs:dateTime attribute, refusing a malformed one (it is an expiry)."""
    value = element.get(name)
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        raise MetadataInvalidValue(
            f"{name} on {_display_tag(element)} is not a valid date and time.",
            expected="xs:dateTime such as 2030-01-01T00:00:00Z",
            actual=value[:60],
        ) from None


def _duration_attr(element: etree._Element, name: str) -> timedelta | None:
    """Read an optional xs:duration attribute, refusing a malformed one."""
    value = element.get(name)
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError:
        raise MetadataInvalidValue(
            f"{name} on {_display_tag(element)} is not a valid duration.",
            expected="xs:duration such as PT6H",
            actual=value[:60],
        ) from None


def _earliest(values: Iterable[_T | None]) -> _T | None:
    """Return the smallest value present: nested validity limits all apply."""
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    """Drop empty and repeated values, keeping the first occurrence's order."""
    out: list[str] = []
    for v in values:
        if v and v not in out:
            out.append(v)
    return tuple(out)


def _list(ids: list[str]) -> str:
    """List entity IDs for a message, bounded so a large federation stays readable."""
    shown = ", ".join(ids[:_LISTED_ENTITY_IDS])
    more = len(ids) - _LISTED_ENTITY_IDS
    return shown + (f" and {more} more" if more > 0 else "") if ids else "none"


def _display_tag(element: etree._Element) -> str:
    """Name an element with the usual prefix so administrators recognise it."""
    qname = etree.QName(element)
    if not qname.namespace:
        return qname.localname
    prefix = {v: k for k, v in NS.items()}.get(qname.namespace)
    return f"{prefix}:{qname.localname}" if prefix else f"{{{qname.namespace}}}{qname.localname}"
