"""Decryption of EncryptedAssertion (SAML Core 2.3.4, XML Encryption 1.1).

Decryption gives confidentiality, not authenticity: anyone can encrypt to the
SP's public key. The decrypted Assertion is parsed like any untrusted input
and must then carry a signature from the provider's metadata like any other.

Supported: RSA-OAEP key transport (``rsa-oaep-mgf1p`` and XML Enc 1.1
``rsa-oaep`` with SHA-1 or SHA-2 digests and MGF1) and AES-GCM or AES-CBC
content encryption. RSA PKCS#1 v1.5 key transport and Triple DES are refused:
both enable known decryption-oracle attacks.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from .errors import (  # noqa: F401 - the classes moved to the registry; re-exported
    DecryptionFailed,
    EncryptedAssertionMalformed,
    EncryptionAlgorithmUnsupported,
    EncryptionKeyMissing,
    SAMLError,
)
from .xml import NS, parse_untrusted

XENC = NS["xenc"]
XENC11 = NS["xenc11"]
DS = NS["ds"]

RSA_OAEP_MGF1P = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
RSA_OAEP = "http://www.w3.org/2009/xmlenc11#rsa-oaep"
AES128_CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
AES192_CBC = "http://www.w3.org/2001/04/xmlenc#aes192-cbc"
AES256_CBC = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
AES128_GCM = "http://www.w3.org/2009/xmlenc11#aes128-gcm"
AES192_GCM = "http://www.w3.org/2009/xmlenc11#aes192-gcm"
AES256_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"

# Content algorithms: (mode, key length in bytes).
CONTENT_ALGORITHMS = {
    AES128_CBC: ("cbc", 16),
    AES192_CBC: ("cbc", 24),
    AES256_CBC: ("cbc", 32),
    AES128_GCM: ("gcm", 16),
    AES192_GCM: ("gcm", 24),
    AES256_GCM: ("gcm", 32),
}
OAEP_DIGESTS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1,
    "http://www.w3.org/2001/04/xmlenc#sha256": hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#sha384": hashes.SHA384,
    "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512,
}
MGF_DIGESTS = {
    "http://www.w3.org/2009/xmlenc11#mgf1sha1": hashes.SHA1,
    "http://www.w3.org/2009/xmlenc11#mgf1sha256": hashes.SHA256,
    "http://www.w3.org/2009/xmlenc11#mgf1sha384": hashes.SHA384,
    "http://www.w3.org/2009/xmlenc11#mgf1sha512": hashes.SHA512,
}
_SHA1_URI = "http://www.w3.org/2000/09/xmldsig#sha1"
_ASSERTION = f"{{{NS['saml']}}}Assertion"


def decrypt_assertion(
    encrypted_assertion: etree._Element, key_pem: bytes | None, *, max_depth: int = 64
) -> etree._Element:
    """Return the Assertion element inside ``encrypted_assertion``, still unverified.

    The plaintext is parsed with :func:`parse_untrusted` in the namespace
    context of the EncryptedAssertion (XML Encryption 4.3: an Element-typed
    plaintext is to be parsed in its context) and must be a single Assertion.
    """
    if not key_pem:
        raise EncryptionKeyMissing()
    data = _one(encrypted_assertion, f"{{{XENC}}}EncryptedData")
    encrypted_key = _encrypted_key(encrypted_assertion, data)
    content_alg = _algorithm(data)
    if content_alg not in CONTENT_ALGORITHMS:
        raise EncryptionAlgorithmUnsupported(
            "The content encryption algorithm is not accepted.",
            actual=content_alg,
            expected=sorted(CONTENT_ALGORITHMS),
        )
    mode, key_length = CONTENT_ALGORITHMS[content_alg]
    cek = _unwrap_key(encrypted_key, _private_key(key_pem))
    if len(cek) != key_length:
        raise DecryptionFailed("The decrypted key has the wrong length for the content algorithm.")
    plaintext = _decrypt_content(mode, cek, _cipher_value(data))
    return _parse_plaintext(plaintext, encrypted_assertion, max_depth)


def _one(parent: etree._Element, tag: str) -> etree._Element:
    found = parent.findall(tag)
    if len(found) != 1:
        raise EncryptedAssertionMalformed(
            f"Expected exactly one {etree.QName(tag).localname}.", expected=1, actual=len(found)
        )
    return found[0]


def _algorithm(parent: etree._Element) -> str | None:
    method = parent.find(f"{{{XENC}}}EncryptionMethod")
    return method.get("Algorithm") if method is not None else None


def _encrypted_key(encrypted_assertion: etree._Element, data: etree._Element) -> etree._Element:
    """Find the EncryptedKey in KeyInfo or beside EncryptedData (SAML Core 2.3.4)."""
    found = data.findall(f"{{{DS}}}KeyInfo/{{{XENC}}}EncryptedKey")
    found += encrypted_assertion.findall(f"{{{XENC}}}EncryptedKey")
    if len(found) != 1:
        raise EncryptedAssertionMalformed(
            "Expected exactly one EncryptedKey.", expected=1, actual=len(found)
        )
    return found[0]


def _cipher_value(parent: etree._Element) -> bytes:
    value = parent.find(f"{{{XENC}}}CipherData/{{{XENC}}}CipherValue")
    if value is None:
        raise EncryptedAssertionMalformed(
            "CipherData/CipherValue is missing (CipherReference is not supported)."
        )
    try:
        return base64.b64decode("".join((value.text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise EncryptedAssertionMalformed("The CipherValue is not base64.") from None


def _private_key(key_pem: bytes) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise EncryptionKeyMissing("The configured decryption key cannot be read.") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise EncryptionAlgorithmUnsupported("Only RSA decryption keys are supported.")
    return key


def _unwrap_key(encrypted_key: etree._Element, key: rsa.RSAPrivateKey) -> bytes:
    """Decrypt the content key with RSA-OAEP (XML Encryption 1.1, 5.5.2)."""
    algorithm = _algorithm(encrypted_key)
    method = encrypted_key.find(f"{{{XENC}}}EncryptionMethod")
    if algorithm not in (RSA_OAEP_MGF1P, RSA_OAEP):
        raise EncryptionAlgorithmUnsupported(
            "The key transport algorithm is not accepted.",
            actual=algorithm,
            expected=[RSA_OAEP_MGF1P, RSA_OAEP],
        )
    digest_el = method.find(f"{{{DS}}}DigestMethod")
    digest_uri = digest_el.get("Algorithm") if digest_el is not None else _SHA1_URI
    mgf_el = method.find(f"{{{XENC11}}}MGF")
    mgf_uri = mgf_el.get("Algorithm") if mgf_el is not None else None
    if algorithm == RSA_OAEP_MGF1P and mgf_el is not None:
        raise EncryptedAssertionMalformed("rsa-oaep-mgf1p does not take an MGF parameter.")
    mgf = MGF_DIGESTS.get(mgf_uri) if mgf_uri else hashes.SHA1
    digest = OAEP_DIGESTS.get(digest_uri)
    if digest is None or mgf is None:
        raise EncryptionAlgorithmUnsupported(
            "The RSA-OAEP digest or mask generation function is not accepted.",
            actual=[digest_uri, mgf_uri],
        )
    params = method.find(f"{{{XENC}}}OAEPparams")
    try:
        label = (
            base64.b64decode("".join(params.text.split()), validate=True)
            if params is not None and params.text
            else None
        )
    except (binascii.Error, ValueError):
        raise EncryptedAssertionMalformed("OAEPparams is not base64.") from None
    try:
        return key.decrypt(
            _cipher_value(encrypted_key),
            padding.OAEP(mgf=padding.MGF1(mgf()), algorithm=digest(), label=label),
        )
    except ValueError:
        raise DecryptionFailed() from None


def _decrypt_content(mode: str, key: bytes, blob: bytes) -> bytes:
    """Decrypt IV || ciphertext (|| tag) as XML Encryption 5.2.2 and 5.2.4 lay it out."""
    try:
        if mode == "gcm":
            if len(blob) < 12 + 16:
                raise ValueError("too short")
            return AESGCM(key).decrypt(blob[:12], blob[12:], None)
        if len(blob) < 32 or len(blob) % 16:
            raise ValueError("bad length")
        decryptor = Cipher(algorithms.AES(key), modes.CBC(blob[:16])).decryptor()
        padded = decryptor.update(blob[16:]) + decryptor.finalize()
        # XML Encryption padding: only the last byte (the pad length) is defined.
        pad = padded[-1]
        if not 1 <= pad <= 16:
            raise ValueError("bad padding")
        return padded[:-pad]
    except Exception:  # InvalidTag, ValueError: one answer, no padding oracle
        raise DecryptionFailed() from None


def _parse_plaintext(plaintext: bytes, context: etree._Element, max_depth: int) -> etree._Element:
    """Parse the plaintext inside a wrapper that declares the context's namespaces."""
    if plaintext.startswith(b"<?xml"):
        end = plaintext.find(b"?>")
        plaintext = plaintext[end + 2 :] if end > 0 else plaintext
    declarations = b"".join(
        (b' xmlns:%s="%s"' % (p.encode(), _escape(u)) if p else b' xmlns="%s"' % _escape(u))
        for p, u in context.nsmap.items()
    )
    wrapper = parse_untrusted(
        b"<w" + declarations + b">" + plaintext + b"</w>",
        max_bytes=len(plaintext) + len(declarations) + 16,
        max_depth=max_depth + 1,
    )
    children = list(wrapper)
    if (
        len(children) != 1
        or children[0].tag != _ASSERTION
        or (wrapper.text or "").strip()
        or (children[0].tail or "").strip()
    ):
        raise EncryptedAssertionMalformed("The decrypted content is not exactly one Assertion.")
    return children[0]


def _escape(uri: str) -> bytes:
    return uri.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").encode()
