"""SAML 2.0 bindings as the dev IdP needs them (SAML Bindings 3.4 and 3.5).

Requests arrive by HTTP-Redirect (DEFLATE, base64, URL query) or HTTP-POST
(base64 form field); the response leaves only by HTTP-POST, as Entra's does.
"""

from __future__ import annotations

import base64
import binascii
import zlib

from ssoconsole.devidp.xml import MAX_XML_BYTES

MAX_ENCODED_CHARS = 512 * 1024


class BindingError(ValueError):
    """The message could not be decoded from its binding."""


def _b64decode(value: str) -> bytes:
    if len(value) > MAX_ENCODED_CHARS:
        raise BindingError("SAMLRequest is too long.")
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise BindingError("SAMLRequest is not valid base64.") from None


def decode_redirect(value: str) -> bytes:
    """Return the XML of a ``SAMLRequest`` query parameter: base64, then raw DEFLATE (Bindings 3.4.4.1).

    Inflation stops at the XML size cap, so a compression bomb costs nothing.
    """
    compressed = _b64decode(value)
    inflater = zlib.decompressobj(-15)
    try:
        xml = inflater.decompress(compressed, MAX_XML_BYTES + 1)
    except zlib.error:
        raise BindingError(
            "SAMLRequest is not DEFLATE-compressed as the HTTP-Redirect binding requires."
        ) from None
    if len(xml) > MAX_XML_BYTES or inflater.unconsumed_tail:
        raise BindingError("SAMLRequest inflates to more than the size limit.")
    return xml


def decode_post(value: str) -> bytes:
    """Return the XML of a ``SAMLRequest`` form field: plain base64 (Bindings 3.5.4)."""
    xml = _b64decode(value)
    if len(xml) > MAX_XML_BYTES:
        raise BindingError("SAMLRequest is larger than the size limit.")
    return xml


def encode_post(xml: bytes) -> str:
    """Return the base64 value of the ``SAMLResponse`` form field."""
    return base64.b64encode(xml).decode("ascii")
