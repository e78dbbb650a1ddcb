"""Verify signed AuthnRequests for apps that require them (Entra's "Verification certificates").

Entra checks request signatures only when the app says "Require verification
certificates", and then accepts RSA-SHA256 only. By HTTP-Redirect the
signature covers the query string as it arrived (SAML Bindings 3.4.4.1:
``SAMLRequest=…&RelayState=…&SigAlg=…``, each value exactly as URL-encoded by
the sender, so the raw query is read, never a decoded-and-re-encoded one); by
HTTP-POST it is an enveloped XML signature of the AuthnRequest whose single
Reference names the request's ID.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier
from signxml.exceptions import SignXMLException

from ssoconsole.devidp import errors
from ssoconsole.devidp.authn_request import SAMLP

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
DS = "http://www.w3.org/2000/09/xmldsig#"


@dataclass(frozen=True)
class RedirectSignature:
    """The signature parameters of an HTTP-Redirect request, with the octets they cover."""

    signed_octets: bytes
    sig_alg: str
    signature: bytes


def redirect_signature(raw_query: str) -> RedirectSignature | None:
    """Return the signature of a raw HTTP-Redirect query string, or ``None`` when it has none."""
    raw: dict[str, str] = {}
    for pair in raw_query.split("&"):
        name, _, value = pair.partition("=")
        if name in ("SAMLRequest", "RelayState", "SigAlg", "Signature"):
            if name in raw:
                raise errors.InvalidRequest(f"Invalid request: the parameter {name} appears twice.")
            raw[name] = value
    if "Signature" not in raw:
        return None
    if "SigAlg" not in raw or "SAMLRequest" not in raw:
        raise errors.InvalidRequest(
            "Invalid request: a signed HTTP-Redirect request needs SAMLRequest and SigAlg."
        )
    covered = [f"SAMLRequest={raw['SAMLRequest']}"]
    if "RelayState" in raw:
        covered.append(f"RelayState={raw['RelayState']}")
    covered.append(f"SigAlg={raw['SigAlg']}")
    try:
        signature = base64.b64decode(unquote_to_bytes(raw["Signature"]), validate=True)
    except (binascii.Error, ValueError):
        raise errors.InvalidRequest(
            "Invalid request: the Signature parameter is not base64."
        ) from None
    return RedirectSignature(
        signed_octets="&".join(covered).encode("ascii", "replace"),
        sig_alg=unquote_to_bytes(raw["SigAlg"]).decode("utf-8", "replace"),
        signature=signature,
    )


def load_certificates(pem: str) -> list[x509.Certificate]:
    """Return the certificates in ``pem`` (none for an empty string); raise ValueError if unreadable."""
    if not pem.strip():
        return []
    certificates = x509.load_pem_x509_certificates(pem.encode())
    if not all(isinstance(c.public_key(), rsa.RSAPublicKey) for c in certificates):
        raise ValueError("Only RSA certificates can verify requests (RSA-SHA256).")
    return certificates


def _refuse(reason: str) -> errors.InvalidRequest:
    return errors.InvalidRequest(
        f"Invalid request: the request signature was not accepted: {reason}"
    )


def verify(
    app_name: str,
    certificates_pem: str,
    *,
    redirect: RedirectSignature | None,
    xml: bytes,
    post: bool,
) -> None:
    """Accept a request signed with one of the certificates, or raise AADSTS76021 / AADSTS75005."""
    certificates = load_certificates(certificates_pem)
    if post:
        _verify_post(app_name, certificates, xml)
        return
    if redirect is None:
        raise errors.RequestNotSigned(
            f"The request sent by the client is not signed, but the application {app_name} requires signed requests. "
            "By HTTP-Redirect the signature goes in the SigAlg and Signature query parameters."
        )
    if redirect.sig_alg != RSA_SHA256:
        raise _refuse(
            f"the signature algorithm {redirect.sig_alg} is not supported; only RSA-SHA256 is."
        )
    for certificate in certificates:
        try:
            certificate.public_key().verify(
                redirect.signature, redirect.signed_octets, padding.PKCS1v15(), hashes.SHA256()
            )
            return
        except InvalidSignature:
            continue
    raise _refuse("it does not verify with any of the application's verification certificates.")


def _verify_post(app_name: str, certificates: list[x509.Certificate], xml: bytes) -> None:
    root = etree.fromstring(
        xml, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    )
    if root.find(f"{{{DS}}}Signature") is None:
        raise errors.RequestNotSigned(
            f"The request sent by the client is not signed, but the application {app_name} requires signed requests. "
            "By HTTP-POST the signature goes inside the AuthnRequest (ds:Signature after the Issuer)."
        )
    config = SignatureConfiguration(
        expect_references=1,
        signature_methods=frozenset([SignatureMethod.RSA_SHA256]),
        digest_algorithms=frozenset([DigestAlgorithm.SHA256]),
    )
    for certificate in certificates:
        try:
            # A new verifier per call: signxml keeps per-call state.
            result = XMLVerifier().verify(
                xml, x509_cert=certificate, id_attribute="ID", expect_config=config
            )
        except SignXMLException:
            continue
        signed = result.signed_xml
        if (
            signed is not None
            and signed.tag == f"{{{SAMLP}}}AuthnRequest"
            and signed.get("ID") == root.get("ID")
        ):
            return
    raise _refuse(
        "its XML signature does not cover the AuthnRequest or does not verify with any verification certificate."
    )
