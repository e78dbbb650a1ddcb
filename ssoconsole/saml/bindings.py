"""Carry an AuthnRequest to the IdP: HTTP-Redirect (with its query signature) or HTTP-POST.

HTTP-Redirect (SAML Bindings 3.4) is what Entra ID expects for requests:
DEFLATE, base64, URL-encode, and, when requests are signed, a signature over
the query string built exactly as Bindings 3.4.4.1 prescribes. HTTP-POST
(Bindings 3.5) is the alternative for IdPs without a Redirect endpoint; a
POSTed request is signed with an enveloped XML signature (SAML Core 5.4).

Decoding helpers exist for tests and the development IdP; they cap what they
inflate, because a DEFLATE stream can expand a thousandfold.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from .config import DIGEST_SHA256, SIG_RSA_SHA256
from .errors import (  # noqa: F401 - re-exported: callers import them from here too
    RedirectMessageUnreadable,
    RelayStateTooLong,
    SigningKeyUnusable,
    UnsupportedSignatureMethod,
)
from .xml import NS

SIG_RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SIG_RSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
SIG_RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
SIGNATURE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    SIG_RSA_SHA1: hashes.SHA1,
    SIG_RSA_SHA256: hashes.SHA256,
    SIG_RSA_SHA384: hashes.SHA384,
    SIG_RSA_SHA512: hashes.SHA512,
}
DIGEST_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1,
    DIGEST_SHA256: hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#sha384": hashes.SHA384,
    "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512,
}
DS = NS["ds"]
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED_SIGNATURE = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
MAX_RELAY_STATE_BYTES = 80
MAX_INFLATED_BYTES = 256 * 1024
_PROTOCOL_PARAMS = ("SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature")


@dataclass(frozen=True)
class PostForm:
    """The HTML form the browser posts to the IdP (SAML Bindings 3.5.4)."""

    action: str
    fields: dict[str, str]


def check_relay_state(relay_state: str | None) -> None:
    """Refuse a RelayState over 80 bytes (SAML Bindings 3.4.3, 3.5.3: MUST NOT exceed)."""
    if relay_state is not None and len(relay_state.encode("utf-8")) > MAX_RELAY_STATE_BYTES:
        raise RelayStateTooLong(
            expected=f"at most {MAX_RELAY_STATE_BYTES} bytes",
            actual=f"{len(relay_state.encode('utf-8'))} bytes",
        )


def deflate_and_encode(message: bytes) -> str:
    """DEFLATE (raw, RFC 1951, no zlib header) and base64 a message (SAML Bindings 3.4.4.1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(compressor.compress(message) + compressor.flush()).decode("ascii")


def decode_and_inflate(value: str, *, max_bytes: int = MAX_INFLATED_BYTES) -> bytes:
    """Undo :func:`deflate_and_encode`, refusing output larger than ``max_bytes``."""
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise RedirectMessageUnreadable("The value is not base64.") from None
    inflater = zlib.decompressobj(-15)
    try:
        out = inflater.decompress(data, max_bytes)
    except zlib.error:
        raise RedirectMessageUnreadable("The value is not a DEFLATE stream.") from None
    if inflater.unconsumed_tail:
        raise RedirectMessageUnreadable(f"The message inflates beyond {max_bytes} bytes.")
    if not inflater.eof:
        raise RedirectMessageUnreadable("The DEFLATE stream is truncated.")
    return out


def redirect_query(
    request_xml: bytes,
    relay_state: str | None,
    *,
    sign_with: bytes | None = None,
    signature_method: str = SIG_RSA_SHA256,
) -> str:
    """Return the query string of an HTTP-Redirect request, signed when ``sign_with`` is given.

    SAML Bindings 3.4.4.1: the signature covers exactly
    ``SAMLRequest=v&RelayState=v&SigAlg=v`` in that order, each value
    URL-encoded, with RelayState left out when there is none. The same
    encoded values are put in the URL, so the IdP verifies the octets we signed.
    """
    check_relay_state(relay_state)
    parts = [("SAMLRequest", deflate_and_encode(request_xml))]
    if relay_state is not None:
        parts.append(("RelayState", relay_state))
    if sign_with is not None:
        if signature_method not in SIGNATURE_HASHES:
            raise UnsupportedSignatureMethod(
                expected=sorted(SIGNATURE_HASHES), actual=signature_method
            )
        parts.append(("SigAlg", signature_method))
    # RFC 3986 unreserved characters only: "+", "/" and "=" of base64 are escaped.
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in parts)
    if sign_with is None:
        return query
    signature = _sign(query.encode("ascii"), sign_with, signature_method)
    return f"{query}&Signature={quote(base64.b64encode(signature).decode('ascii'), safe='')}"


def redirect_url(
    sso_url: str,
    request_xml: bytes,
    relay_state: str | None,
    *,
    sign_with: bytes | None = None,
    signature_method: str = SIG_RSA_SHA256,
) -> str:
    """Return the IdP URL that carries the request by HTTP-Redirect (SAML Bindings 3.4.4).

    An ``sso_url`` that already has a query (``?tenant=...``) keeps it; the
    protocol parameters follow, and only they are signed (Bindings 3.4.4.1).
    """
    scheme, netloc, path, existing, fragment = urlsplit(sso_url)
    if scheme not in ("https", "http") or not netloc:
        raise ValueError("sso_url must be an absolute http(s) URL")
    clashing = {name for name, _ in parse_qsl(existing, keep_blank_values=True)} & set(
        _PROTOCOL_PARAMS
    )
    if clashing:
        raise ValueError(f"sso_url already carries {', '.join(sorted(clashing))}")
    query = redirect_query(
        request_xml, relay_state, sign_with=sign_with, signature_method=signature_method
    )
    return urlunsplit(
        (scheme, netloc, path, f"{existing}&{query}" if existing else query, fragment)
    )


def post_form(
    sso_url: str,
    request_xml: bytes,
    relay_state: str | None,
    *,
    sign_with: bytes | None = None,
    certificate: bytes | None = None,
    signature_method: str = SIG_RSA_SHA256,
    digest_method: str = DIGEST_SHA256,
) -> PostForm:
    """Return the form fields that carry the request by HTTP-POST (SAML Bindings 3.5.4).

    The request is base64-encoded without DEFLATE. With ``sign_with`` (and
    the matching ``certificate`` for KeyInfo) the request carries an
    enveloped XML signature instead of a query signature (Bindings 3.5.4.1).
    """
    check_relay_state(relay_state)
    if sign_with is not None:
        request_xml = sign_request_xml(
            request_xml,
            sign_with,
            certificate,
            signature_method=signature_method,
            digest_method=digest_method,
        )
    fields = {"SAMLRequest": base64.b64encode(request_xml).decode("ascii")}
    if relay_state is not None:
        fields["RelayState"] = relay_state
    return PostForm(action=sso_url, fields=fields)


def sign_request_xml(
    request_xml: bytes,
    key_pem: bytes,
    certificate_pem: bytes | None,
    *,
    signature_method: str = SIG_RSA_SHA256,
    digest_method: str = DIGEST_SHA256,
) -> bytes:
    """Add an enveloped XML signature to a request the SP built (SAML Core 5.4).

    SAML Core 5.4.2: one Reference to the root's ID; 5.4.3/5.4.4: the
    enveloped-signature and exclusive c14n transforms only, so IdPs that
    enforce the SAML signature profile accept it. The signature goes right
    after the Issuer, where the protocol schema puts it (Core 3.2.1).
    """
    if signature_method not in SIGNATURE_HASHES:
        raise UnsupportedSignatureMethod(expected=sorted(SIGNATURE_HASHES), actual=signature_method)
    if digest_method not in DIGEST_HASHES:
        raise UnsupportedSignatureMethod(
            "The configured digest method is not supported.",
            expected=sorted(DIGEST_HASHES),
            actual=digest_method,
        )
    root = etree.fromstring(
        request_xml, parser=etree.XMLParser(resolve_entities=False, no_network=True)
    )
    request_id = root.get("ID")
    if not request_id:
        raise ValueError("the request has no ID to reference")
    # Digest first: the enveloped-signature transform means the Signature is not covered.
    digest = hashes.Hash(DIGEST_HASHES[digest_method]())
    digest.update(_exc_c14n(root))

    signature = etree.Element(f"{{{DS}}}Signature", nsmap={"ds": DS})
    signed_info = etree.SubElement(signature, f"{{{DS}}}SignedInfo")
    etree.SubElement(signed_info, f"{{{DS}}}CanonicalizationMethod", Algorithm=EXC_C14N)
    etree.SubElement(signed_info, f"{{{DS}}}SignatureMethod", Algorithm=signature_method)
    reference = etree.SubElement(signed_info, f"{{{DS}}}Reference", URI=f"#{request_id}")
    transforms = etree.SubElement(reference, f"{{{DS}}}Transforms")
    etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=ENVELOPED_SIGNATURE)
    etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=EXC_C14N)
    etree.SubElement(reference, f"{{{DS}}}DigestMethod", Algorithm=digest_method)
    etree.SubElement(reference, f"{{{DS}}}DigestValue").text = base64.b64encode(
        digest.finalize()
    ).decode("ascii")
    value = etree.SubElement(signature, f"{{{DS}}}SignatureValue")
    if certificate_pem is not None:
        x509_data = etree.SubElement(
            etree.SubElement(signature, f"{{{DS}}}KeyInfo"), f"{{{DS}}}X509Data"
        )
        etree.SubElement(x509_data, f"{{{DS}}}X509Certificate").text = _certificate_b64(
            certificate_pem
        )

    issuer = root.find(f"{{{NS['saml']}}}Issuer")
    root.insert(0 if issuer is None else root.index(issuer) + 1, signature)
    # SignedInfo is canonicalised where it sits, as the verifier will (XML-DSig 3.1.2).
    value.text = base64.b64encode(_sign(_exc_c14n(signed_info), key_pem, signature_method)).decode(
        "ascii"
    )
    return etree.tostring(root, encoding="utf-8")


def _exc_c14n(element: etree._Element) -> bytes:
    """Canonicalise with exclusive c14n without comments (SAML Core 5.4.4)."""
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def _certificate_b64(certificate_pem: bytes) -> str:
    """Return the certificate's DER in base64 for ds:X509Certificate (XML-DSig 4.4.4)."""
    try:
        cert = x509.load_pem_x509_certificate(certificate_pem)
    except ValueError:
        raise SigningKeyUnusable("The SP signing certificate cannot be read.") from None
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")


def _sign(octets: bytes, key_pem: bytes, signature_method: str) -> bytes:
    """Sign the query octets with RSA PKCS#1 v1.5 and the hash the SigAlg names."""
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyUnusable(f"The SP signing key cannot be read: {exc}.") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SigningKeyUnusable(
            "The SP signing key is not an RSA key.", expected="RSA", actual=type(key).__name__
        )
    return key.sign(octets, padding.PKCS1v15(), SIGNATURE_HASHES[signature_method]())
