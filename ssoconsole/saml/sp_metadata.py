"""Describe the tenant's service provider in SAML 2.0 metadata for the IdP to import.

The document says exactly what the SP does and nothing more: one
AssertionConsumerService on HTTP-POST, signed assertions wanted, a signing key
only when requests are signed, an encryption key only when one is configured,
and no SingleLogoutService (the console does not do Single Logout, so
advertising it would make IdPs send logout messages nobody handles).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from .config import BINDING_POST, ServiceProvider
from .encryption import AES128_GCM, AES256_CBC, AES256_GCM, RSA_OAEP, RSA_OAEP_MGF1P
from .errors import (  # noqa: F401 - re-exported: callers import them from here too
    SPCertificateMissing,
    SPCertificateUnreadable,
)
from .metadata import format_duration
from .xml import NS

MD = NS["md"]
DS = NS["ds"]
SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
# SAML Metadata 2.4.1.1: the algorithms the SP decrypts, most preferred first.
# An IdP that honours the list (Shibboleth does; Entra ID picks its own) then
# uses authenticated AES-GCM; AES-CBC stays for IdPs without GCM. RSA
# PKCS#1 v1.5 key transport is left out: ``encryption`` refuses it.
ENCRYPTION_METHODS = (AES256_GCM, AES128_GCM, AES256_CBC, RSA_OAEP, RSA_OAEP_MGF1P)


def build_sp_metadata(
    sp: ServiceProvider,
    *,
    sign_requests: bool,
    valid_until: datetime | None = None,
    cache_duration: timedelta | None = None,
    organization_url: str | None = None,
    extra_signing_certs: Sequence[bytes] = (),
    extra_encryption_certs: Sequence[bytes] = (),
) -> bytes:
    """Return the SP's metadata XML (UTF-8, with declaration), ready to serve or download.

    ``sign_requests`` is the tenant's choice to sign AuthnRequests; it sets
    ``AuthnRequestsSigned`` and adds the signing key. ``extra_signing_certs``
    and ``extra_encryption_certs`` (PEM) are published after the current ones
    during a key rotation (SAML Metadata 2.4.1.1 allows several
    KeyDescriptors per use: the IdP trusts, or may encrypt to, each). ``organization_url``
    with ``sp.organization_name`` adds an Organization (Metadata 2.3.2.1
    requires name, display name and URL together).
    """
    nsmap = {"md": MD, "ds": DS}
    # SAML Metadata 2.3.2: EntityDescriptor with entityID, optional validUntil/cacheDuration.
    entity = etree.Element(f"{{{MD}}}EntityDescriptor", nsmap=nsmap)
    entity.set("entityID", sp.entity_id)
    if valid_until is not None:
        if valid_until.tzinfo is None:
            raise ValueError("valid_until must be timezone-aware")
        valid_until = valid_until.astimezone(UTC)
        entity.set("validUntil", valid_until.strftime("%Y-%m-%dT%H:%M:%SZ"))
    if cache_duration is not None:
        entity.set("cacheDuration", format_duration(cache_duration))

    # SAML Metadata 2.4.4: SPSSODescriptor. WantAssertionsSigned is always true: the
    # validator refuses unsigned assertions, so the IdP must know to sign them.
    role = etree.SubElement(entity, f"{{{MD}}}SPSSODescriptor")
    role.set("protocolSupportEnumeration", SAML2_PROTOCOL)
    role.set("AuthnRequestsSigned", "true" if sign_requests else "false")
    role.set("WantAssertionsSigned", "true")

    # SAML Metadata 2.4.1.1: KeyDescriptor order follows RoleDescriptorType (keys first).
    if sign_requests:
        if not sp.signing_cert_pem:
            raise SPCertificateMissing(
                "Signed requests are on, but the tenant has no SP signing certificate."
            )
        _key_descriptor(role, "signing", sp.signing_cert_pem)
        for cert_pem in extra_signing_certs:
            _key_descriptor(role, "signing", cert_pem)
    encryption_certs = [sp.encryption_cert_pem] if sp.encryption_cert_pem else []
    for cert_pem in encryption_certs + list(extra_encryption_certs):
        descriptor = _key_descriptor(role, "encryption", cert_pem)
        for algorithm in ENCRYPTION_METHODS:
            etree.SubElement(descriptor, f"{{{MD}}}EncryptionMethod", Algorithm=algorithm)

    # SSODescriptorType: NameIDFormat comes after the (absent) SingleLogoutService.
    if sp.name_id_format:
        etree.SubElement(role, f"{{{MD}}}NameIDFormat").text = sp.name_id_format

    # SAML Metadata 2.4.4 / Profiles 4.1.2: the ACS, HTTP-POST, index 0, the default.
    acs = etree.SubElement(role, f"{{{MD}}}AssertionConsumerService")
    acs.set("Binding", BINDING_POST)
    acs.set("Location", sp.acs_url)
    acs.set("index", "0")
    acs.set("isDefault", "true")

    if sp.organization_name and organization_url:
        _organization(entity, sp.organization_name, organization_url)
    return etree.tostring(entity, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _key_descriptor(role: etree._Element, use: str, cert_pem: bytes) -> etree._Element:
    """Add and return a KeyDescriptor carrying the certificate as ds:X509Certificate (XML-DSig 4.4.4)."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        raise SPCertificateUnreadable(f"The SP {use} certificate cannot be read.") from None
    der = cert.public_bytes(serialization.Encoding.DER)
    descriptor = etree.SubElement(role, f"{{{MD}}}KeyDescriptor", use=use)
    key_info = etree.SubElement(descriptor, f"{{{DS}}}KeyInfo")
    data = etree.SubElement(key_info, f"{{{DS}}}X509Data")
    b64 = base64.b64encode(der).decode("ascii")
    etree.SubElement(data, f"{{{DS}}}X509Certificate").text = "\n".join(
        b64[i : i + 64] for i in range(0, len(b64), 64)
    )
    return descriptor


def _organization(entity: etree._Element, name: str, url: str) -> None:
    """Add an Organization with the xml:lang the schema requires (Metadata 2.3.2.1)."""
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    org = etree.SubElement(entity, f"{{{MD}}}Organization")
    etree.SubElement(org, f"{{{MD}}}OrganizationName", {lang: "en"}).text = name
    etree.SubElement(org, f"{{{MD}}}OrganizationDisplayName", {lang: "en"}).text = name
    etree.SubElement(org, f"{{{MD}}}OrganizationURL", {lang: "en"}).text = url
