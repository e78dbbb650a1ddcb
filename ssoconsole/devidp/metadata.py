"""The App Federation Metadata document, shaped like Entra's.

Entra's document starts with a UTF-8 byte order mark, is signed, and has a
WS-Federation ``RoleDescriptor`` before the SAML ``IDPSSODescriptor``, each
with the signing keys. The dev IdP keeps all of that, so that an SP's
metadata import meets the same surprises it will meet in production. The
RoleDescriptor lists keys and claim types only: the dev IdP does not speak
WS-Federation, so it names no WS-Fed endpoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from lxml import etree

from ssoconsole.devidp import signing
from ssoconsole.devidp.certificates import base64_der
from ssoconsole.devidp.response import (
    CLAIM_DISPLAY_NAME,
    CLAIM_EMAIL,
    CLAIM_GIVEN_NAME,
    CLAIM_NAME,
    CLAIM_OBJECT_ID,
    CLAIM_SURNAME,
    CLAIM_TENANT_ID,
    new_saml_id,
)

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = signing.DS
FED = "http://docs.oasis-open.org/wsfed/federation/200706"
AUTH = "http://docs.oasis-open.org/wsfed/authorization/200706"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
UTF8_BOM = b"\xef\xbb\xbf"

_OFFERED_CLAIMS = (
    (CLAIM_NAME, "Name"),
    (CLAIM_EMAIL, "Email"),
    (CLAIM_GIVEN_NAME, "Given Name"),
    (CLAIM_SURNAME, "Surname"),
    (CLAIM_DISPLAY_NAME, "Display Name"),
    (CLAIM_OBJECT_ID, "Object Identifier"),
    (CLAIM_TENANT_ID, "Tenant Identifier"),
)


def _key_descriptor(parent, certificate_pem: str) -> None:
    key = etree.SubElement(parent, f"{{{MD}}}KeyDescriptor", use="signing")
    info = etree.SubElement(key, f"{{{DS}}}KeyInfo", nsmap={None: DS})
    data = etree.SubElement(info, f"{{{DS}}}X509Data")
    etree.SubElement(data, f"{{{DS}}}X509Certificate").text = base64_der(certificate_pem)


def build_metadata(
    *,
    entity_id: str,
    sso_url: str,
    certificates: Sequence[str],
    signing_key_pem: str,
    signing_cert_pem: str,
    now: dt.datetime,
    new_id: Callable[[], str] = new_saml_id,
) -> bytes:
    """Return the signed metadata document for an IdP with ``certificates`` (active one first)."""
    root = etree.Element(
        f"{{{MD}}}EntityDescriptor", {"ID": new_id(), "entityID": entity_id}, nsmap={None: MD}
    )
    role = etree.SubElement(
        root,
        f"{{{MD}}}RoleDescriptor",
        {f"{{{XSI}}}type": "fed:SecurityTokenServiceType", "protocolSupportEnumeration": FED},
        nsmap={"xsi": XSI, "fed": FED},
    )
    for pem in certificates:
        _key_descriptor(role, pem)
    offered = etree.SubElement(role, f"{{{FED}}}ClaimTypesOffered")
    for uri, display in _OFFERED_CLAIMS:
        claim = etree.SubElement(offered, f"{{{AUTH}}}ClaimType", Uri=uri, nsmap={"auth": AUTH})
        etree.SubElement(claim, f"{{{AUTH}}}DisplayName").text = display
    idp = etree.SubElement(
        root,
        f"{{{MD}}}IDPSSODescriptor",
        protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol",
    )
    for pem in certificates:
        _key_descriptor(idp, pem)
    etree.SubElement(idp, f"{{{MD}}}SingleSignOnService", Binding=REDIRECT, Location=sso_url)
    etree.SubElement(idp, f"{{{MD}}}SingleSignOnService", Binding=POST, Location=sso_url)
    # The signature is EntityDescriptor's first child (SAML Metadata 2.3.2).
    signed = signing.sign(
        root, key_pem=signing_key_pem, cert_pem=signing_cert_pem, first_child=True
    )
    return UTF8_BOM + etree.tostring(signed, encoding="utf-8", xml_declaration=True)
