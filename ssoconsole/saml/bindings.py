"""Carry an AuthnRequest to the IdP: HTTP-Redirect (with its query signature) or HTTP-POST.

HTTP-Redirect (SAML Bindings 3.4) is what Entra ID expects for requests:
DEFLATE, base64, URL-encode, and, when requests are signed, a signature over
the query string built exactly as Bindings 3.4.4.1 prescribes. HTTP-POST
(Bindings 3.5) is the alternative for IdPs without a Redirect endpoint; this
module sends it unsigned (see :func:`post_form`).

Decoding helpers exist for tests and the development IdP; they cap what they
inflate, because a DEFLATE stream can expand a thousandfold.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .config import SIG_RSA_SHA256
from .errors import SAMLError

SIG_RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SIG_RSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
SIG_RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
SIGNATURE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    SIG_RSA_SHA1: hashes.SHA1,
    SIG_RSA_SHA256: hashes.SHA256,
    SIG_RSA_SHA384: hashes.SHA384,
    SIG_RSA_SHA512: hashes.SHA512,
}
MAX_RELAY_STATE_BYTES = 80
MAX_INFLATED_BYTES = 256 * 1024
_PROTOCOL_PARAMS = ("SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature")


class RelayStateTooLong(SAMLError):
    """The RelayState is longer than the 80 bytes SAML Bindings 3.4.3 and 3.5.3 allow."""

    code = "saml.relay_state_too_long"
    admin_hint = "RelayState must be a short opaque token; keep the target URL on the server."


class UnsupportedSignatureMethod(SAMLError):
    """The configured request signature method is not one this service can sign with."""

    code = "saml.signature_method_unsupported"
    user_message = "Single sign-on is not set up correctly. Tell your administrator."
    admin_hint = (
        "Set the signature method to http://www.w3.org/2001/04/xmldsig-more#rsa-sha256 "
        "(the only one Entra ID accepts for signed requests)."
    )


class SigningKeyUnusable(SAMLError):
    """The SP signing key cannot sign requests (unreadable, encrypted, or not RSA)."""

    code = "saml.sp_signing_key_unusable"
    user_message = "Single sign-on is not set up correctly. Tell your administrator."
    admin_hint = "Generate a new SP signing key pair and give the new certificate to the IdP."


class RedirectMessageUnreadable(SAMLError):
    """A SAMLRequest or SAMLResponse query value is not base64 of a DEFLATE stream."""

    code = "saml.redirect_message_unreadable"


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
    return urlunsplit((scheme, netloc, path, f"{existing}&{query}" if existing else query, fragment))


def post_form(sso_url: str, request_xml: bytes, relay_state: str | None) -> PostForm:
    """Return the form fields that carry the request by HTTP-POST (SAML Bindings 3.5.4).

    The request is base64-encoded without DEFLATE. It is not signed: a POSTed
    request would need an enveloped XML signature (Bindings 3.5.4.1), which is
    left to the HTTP-Redirect binding that Entra ID and most IdPs use for
    signed requests.
    """
    check_relay_state(relay_state)
    fields = {"SAMLRequest": base64.b64encode(request_xml).decode("ascii")}
    if relay_state is not None:
        fields["RelayState"] = relay_state
    return PostForm(action=sso_url, fields=fields)


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
