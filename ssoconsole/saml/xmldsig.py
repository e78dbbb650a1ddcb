"""XML-Signature verification for the narrow profile SAML uses.

SAML signatures are enveloped signatures over one element, referenced by its
``ID``, with exclusive canonicalization (SAML Core 5.4). Everything outside
that profile is refused rather than interpreted: the generality of XML-DSig
(XPath transforms, several references, keys taken from the message) is where
signature-wrapping and key-confusion attacks live.

:func:`verify_signed_element` returns a *new* element parsed from the
canonical bytes whose digest was checked, so a caller can only read what the
signature covers. The decision and its figures are in
``docs/decisions/xml-signature.md``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from .config import ValidationPolicy
from .errors import (  # noqa: F401 - the classes moved to the registry; re-exported
    SHA1_HINT,
    DigestMismatch,
    DuplicateID,
    SAMLError,
    SHA1Refused,
    SignatureAlgorithmForbidden,
    SignatureInvalid,
    SignatureMalformed,
    SignatureMissing,
    SignatureReferenceInvalid,
    SignatureTransformForbidden,
    SignatureUntrustedKey,
)
from .thumbprints import sha1_thumbprint, sha256_fingerprint
from .xml import NS, parse_canonical

DS = NS["ds"]
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

_SIGNATURE = f"{{{DS}}}Signature"
_SIGNED_INFO = f"{{{DS}}}SignedInfo"
_SIGNATURE_VALUE = f"{{{DS}}}SignatureValue"
_KEY_INFO = f"{{{DS}}}KeyInfo"
_CANONICALIZATION_METHOD = f"{{{DS}}}CanonicalizationMethod"
_SIGNATURE_METHOD = f"{{{DS}}}SignatureMethod"
_REFERENCE = f"{{{DS}}}Reference"
_TRANSFORMS = f"{{{DS}}}Transforms"
_TRANSFORM = f"{{{DS}}}Transform"
_DIGEST_METHOD = f"{{{DS}}}DigestMethod"
_DIGEST_VALUE = f"{{{DS}}}DigestValue"
_X509_CERTIFICATES = etree.ETXPath(f"{{{DS}}}X509Data/{{{DS}}}X509Certificate")
_INCLUSIVE_NS = f"{{{EXC_C14N}}}InclusiveNamespaces"

# Digest algorithms (XML-DSig 6.2, RFC 6931 2.1); the bool marks SHA-1.
DIGESTS: dict[str, tuple[str, bool]] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": ("sha1", True),
    "http://www.w3.org/2001/04/xmlenc#sha256": ("sha256", False),
    "http://www.w3.org/2001/04/xmldsig-more#sha384": ("sha384", False),
    "http://www.w3.org/2001/04/xmlenc#sha512": ("sha512", False),
}

# Hash and padding objects are immutable descriptions: build them once.
_HASHES = {
    "sha1": hashes.SHA1(),
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}
_PKCS1V15 = padding.PKCS1v15()

# Signature algorithms (XML-DSig 6.4, RFC 6931 2.3): (key type, hash name).
SIGNATURE_METHODS: dict[str, tuple[str, str]] = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": ("rsa", "sha1"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": ("rsa", "sha256"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": ("rsa", "sha384"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": ("rsa", "sha512"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1": ("ec", "sha1"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": ("ec", "sha256"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": ("ec", "sha384"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": ("ec", "sha512"),
}

# Any attribute whose local name is "id" in any case or namespace counts as an
# ID for the duplicate check, so that "Id", "id" or "xml:id" twins are caught.
# The value test comes first because it is the cheaper filter.
# count() avoids building a Python result object per match.
_SAME_ID = etree.XPath("count(//@*[. = $value][translate(local-name(), 'ID', 'id') = 'id'])")


class VerifiedContent:
    """The canonical bytes a verified signature covers, not parsed yet.

    It keeps no reference to the tree that was verified, so a caller can let
    that tree go (and libxml2 free it) before :meth:`element` builds the one
    tree it is allowed to read: one document in memory at a time instead of
    two.
    """

    __slots__ = ("_canonical", "certificate")

    def __init__(self, canonical: bytes, certificate: bytes) -> None:
        self._canonical = canonical
        # The trusted DER certificate whose key verified the signature.
        self.certificate = certificate

    def element(self) -> etree._Element:
        """Parse and return the signed element, without its signature."""
        return parse_canonical(self._canonical)


def verify_signed_element(
    element: etree._Element,
    certificates: Sequence[bytes],
    *,
    policy: ValidationPolicy = ValidationPolicy(),
    id_attribute: str = "ID",
) -> etree._Element:
    """Verify the enveloped signature of ``element`` and return only what it covers.

    ``element`` must belong to a tree that :func:`~ssoconsole.saml.xml.parse_untrusted`
    accepted. ``certificates`` are the DER-encoded certificates from the
    provider's metadata, the only keys trusted; a certificate in ``KeyInfo``
    only picks which of them to try first. The returned element is parsed
    afresh from the canonical bytes whose digest was verified, without the
    signature; the caller must read from it and never from ``element``.

    The tree of ``element`` is changed while the digest is computed (the
    signature is taken out and put back), so one tree must not be verified
    from two threads at once.
    """
    return verify_signature(
        element, certificates, policy=policy, id_attribute=id_attribute
    ).element()


def verify_signature(
    element: etree._Element,
    certificates: Sequence[bytes],
    *,
    policy: ValidationPolicy = ValidationPolicy(),
    id_attribute: str = "ID",
) -> VerifiedContent:
    """Verify like :func:`verify_signed_element`, but hand back the covered bytes unparsed.

    For callers that can drop the verified tree first; the rules checked are
    the same, and :meth:`VerifiedContent.element` is the only way to read the
    result.
    """
    signature = _single_signature(element)
    signed_info, signature_value, key_info = _signature_parts(signature)
    # One pass over SignedInfo's and Reference's children; the checks then
    # run in the order the XML-DSig processing rules (3.2) give.
    signed_info_children = _children(signed_info)
    c14n_prefixes = _canonicalization(
        _one_algorithm(signed_info_children, _CANONICALIZATION_METHOD, "CanonicalizationMethod"),
        policy,
    )
    signature_method = _signature_method(
        _one_algorithm(signed_info_children, _SIGNATURE_METHOD, "SignatureMethod"), policy
    )
    reference = _single_reference(signed_info_children.get(_REFERENCE, ()), element, id_attribute)
    transforms, digest_method, digest_value = _reference_parts(reference)
    inclusive_prefixes = _transforms(transforms, policy)
    digest_name = _digest_method(digest_method, policy)
    expected_digest = _b64(_one_text(digest_value, "DigestValue"), "DigestValue")

    canonical = _canonical_without(element, signature, inclusive_prefixes)
    actual_digest = hashlib.new(digest_name, canonical).digest()
    if not hmac.compare_digest(actual_digest, expected_digest):
        raise DigestMismatch(element=etree.QName(element).localname, reference=reference.get("URI"))

    signed_info_bytes = _exclusive_c14n(signed_info, c14n_prefixes)
    signer = _check_signature_value(
        signed_info_bytes,
        _b64(signature_value.text, "SignatureValue"),
        signature_method,
        certificates,
        key_info,
    )
    return VerifiedContent(canonical, signer)


def has_signature(element: etree._Element) -> bool:
    """Tell whether ``element`` has a ds:Signature child, without checking it."""
    return next(element.iterchildren(_SIGNATURE), None) is not None


def _single_signature(element: etree._Element) -> etree._Element:
    """Require exactly one ds:Signature as a direct child (SAML Core 5.4.1)."""
    signatures = list(element.iterchildren(_SIGNATURE))
    if not signatures:
        raise SignatureMissing(element=etree.QName(element).localname)
    if len(signatures) > 1:
        raise SignatureMalformed(
            "The element carries more than one signature.", expected=1, actual=len(signatures)
        )
    return signatures[0]


def _signature_parts(
    signature: etree._Element,
) -> tuple[etree._Element, etree._Element, etree._Element | None]:
    """Split Signature into SignedInfo, SignatureValue and KeyInfo (XML-DSig 4.1).

    ds:Object and anything else are refused: SAML signatures never need them,
    and they are where wrapping attacks hide content.
    """
    children = [c for c in signature if isinstance(c.tag, str)]
    tags = [c.tag for c in children]
    if (
        tags[:2] != [_SIGNED_INFO, _SIGNATURE_VALUE]
        or any(t != _KEY_INFO for t in tags[2:])
        or len(tags) > 3
    ):
        raise SignatureMalformed(
            "The signature must hold SignedInfo, SignatureValue and at most a KeyInfo.",
            actual=[etree.QName(t).localname for t in tags],
        )
    return children[0], children[1], children[2] if len(children) == 3 else None


def _children(parent: etree._Element) -> dict[str, list[etree._Element]]:
    """Group the element children of ``parent`` by tag in one pass."""
    found: dict[str, list[etree._Element]] = {}
    for child in parent.iterchildren(etree.Element):
        tag = child.tag
        if tag in found:
            found[tag].append(child)
        else:
            found[tag] = [child]
    return found


def _reference_parts(
    reference: etree._Element,
) -> tuple[list[etree._Element], Sequence[etree._Element], Sequence[etree._Element]]:
    """Read the Transform list and the DigestMethod and DigestValue candidates of a Reference (XML-DSig 4.4.3)."""
    children = _children(reference)
    transforms_el = children.get(_TRANSFORMS, ())
    transforms = list(transforms_el[0].iterchildren(_TRANSFORM)) if len(transforms_el) == 1 else []
    digest_method = children.get(_DIGEST_METHOD, ())
    digest_value = children.get(_DIGEST_VALUE, ())
    return transforms, digest_method, digest_value


def _one_algorithm(
    children: dict[str, list[etree._Element]], tag: str, localname: str
) -> etree._Element:
    found = children.get(tag, ())
    if len(found) != 1 or not found[0].get("Algorithm"):
        raise SignatureMalformed(f"Expected exactly one {localname} with an Algorithm.")
    return found[0]


def _canonicalization(method: etree._Element, policy: ValidationPolicy) -> list[str] | None:
    """Accept only exclusive C14N without comments for SignedInfo (SAML Core 5.4.3)."""
    algorithm = method.get("Algorithm")
    if algorithm != EXC_C14N:
        raise SignatureAlgorithmForbidden(
            "The SignedInfo canonicalization method is not accepted.",
            expected=EXC_C14N,
            actual=algorithm,
        )
    return _prefix_list(method)


def _signature_method(method_el: etree._Element, policy: ValidationPolicy) -> tuple[str, str]:
    """Accept RSA and ECDSA with SHA-2; SHA-1 only with ``insecure_allow_sha1``."""
    algorithm = method_el.get("Algorithm")
    method = SIGNATURE_METHODS.get(algorithm)
    if method is None:
        raise SignatureAlgorithmForbidden(
            "The signature method is not accepted.",
            actual=algorithm,
            expected=sorted(u for u, m in SIGNATURE_METHODS.items() if m[1] != "sha1"),
        )
    if method[1] == "sha1" and not policy.insecure_allow_sha1:
        raise SHA1Refused("The signature method uses SHA-1.", actual=algorithm)
    return method


def _single_reference(
    references: Sequence[etree._Element], element: etree._Element, id_attribute: str
) -> etree._Element:
    """Require one Reference to '#' + the element's own, unique ID (SAML Core 5.4.2)."""
    if len(references) != 1:
        raise SignatureReferenceInvalid(
            "The signature must have exactly one Reference.", expected=1, actual=len(references)
        )
    reference = references[0]
    element_id = element.get(id_attribute)
    uri = reference.get("URI")
    if not element_id or uri != "#" + element_id:
        raise SignatureReferenceInvalid(
            "The signature's Reference does not point at the element it is attached to.",
            expected="#" + (element_id or "<missing ID>"),
            actual=uri,
        )
    same = int(_SAME_ID(element, value=element_id))
    if same != 1:
        raise DuplicateID(
            "The signed element's ID is not unique in the document.",
            expected=1,
            actual=same,
            id=element_id,
        )
    return reference


def _transforms(transforms: list[etree._Element], policy: ValidationPolicy) -> list[str] | None:
    """Require enveloped-signature then exclusive C14N, nothing else (SAML Core 5.4.4).

    Return the InclusiveNamespaces prefix list of the C14N transform.
    """
    algorithms = [t.get("Algorithm") for t in transforms]
    if algorithms != [ENVELOPED, EXC_C14N] or not policy.allowed_transforms.issuperset(algorithms):
        raise SignatureTransformForbidden(
            "The transforms must be exactly enveloped-signature followed by exclusive C14N.",
            expected=[ENVELOPED, EXC_C14N],
            actual=algorithms,
        )
    return _prefix_list(transforms[1])


def _prefix_list(parent: etree._Element) -> list[str] | None:
    """Read the InclusiveNamespaces PrefixList of an exclusive C14N algorithm (Exc-C14N 3)."""
    children = [c for c in parent if isinstance(c.tag, str)]
    if not children:
        return None
    if len(children) > 1 or children[0].tag != _INCLUSIVE_NS:
        raise SignatureMalformed("The canonicalization parameters are not understood.")
    prefixes = (children[0].get("PrefixList") or "").split()
    return [None if p == "#default" else p for p in prefixes] or None


def _digest_method(found: Sequence[etree._Element], policy: ValidationPolicy) -> str:
    """Accept SHA-2 digests; SHA-1 only with ``insecure_allow_sha1``."""
    if len(found) != 1 or not found[0].get("Algorithm"):
        raise SignatureMalformed("Expected exactly one DigestMethod with an Algorithm.")
    algorithm = found[0].get("Algorithm")
    digest = DIGESTS.get(algorithm)
    if digest is None:
        raise SignatureAlgorithmForbidden(
            "The digest method is not accepted.",
            actual=algorithm,
            expected=sorted(u for u, d in DIGESTS.items() if not d[1]),
        )
    if digest[1] and not policy.insecure_allow_sha1:
        raise SHA1Refused("The digest method uses SHA-1.", actual=algorithm)
    return digest[0]


def _exclusive_c14n(element: etree._Element, prefixes) -> bytes:
    """Serialize ``element`` with exclusive C14N, refusing what libxml2 cannot canonicalize.

    libxml2 refuses some trees it parsed (found by the atheris fuzzer: a
    namespace declaration C14N cannot express); that is a damaged message,
    not a crash.
    """
    try:
        return etree.tostring(
            element,
            method="c14n",
            exclusive=True,
            with_comments=False,
            inclusive_ns_prefixes=prefixes,
        )
    except etree.C14NError as exc:
        raise SignatureMalformed(f"The signed XML cannot be canonicalized ({exc}).") from None


def _canonical_without(
    element: etree._Element, signature: etree._Element, prefixes: list[str] | None
) -> bytes:
    """Canonicalize ``element`` as the enveloped-signature transform sees it.

    The transform removes the Signature element but not the text that
    follows it, which lxml keeps as the element's tail: move the tail to the
    preceding node while the signature is out, then put everything back.
    """
    parent_prev = signature.getprevious()
    index = element.index(signature)
    tail = signature.tail
    saved = parent_prev.tail if parent_prev is not None else element.text
    if tail:
        if parent_prev is not None:
            parent_prev.tail = (saved or "") + tail
        else:
            element.text = (saved or "") + tail
    element.remove(signature)
    try:
        return _exclusive_c14n(element, prefixes)
    finally:
        element.insert(index, signature)
        signature.tail = tail
        if parent_prev is not None:
            parent_prev.tail = saved
        else:
            element.text = saved


def _one_text(found: Sequence[etree._Element], localname: str) -> str | None:
    if len(found) != 1:
        raise SignatureMalformed(f"Expected exactly one {localname}.")
    return found[0].text


def _b64(text: str | None, what: str) -> bytes:
    """Decode a base64Binary element value; line breaks are allowed (XML Schema 3.2.16).

    ``a2b_base64(..., strict_mode=True)`` is exactly what
    ``base64.b64decode(..., validate=True)`` runs, without its Python layers.
    """
    try:
        value = binascii.a2b_base64("".join((text or "").split()), strict_mode=True)
    except (binascii.Error, ValueError):
        raise SignatureMalformed(f"The {what} is not valid base64.") from None
    if not value:
        raise SignatureMalformed(f"The {what} is empty.")
    return value


def _key_info_certificates(key_info: etree._Element | None) -> list[bytes]:
    """Read KeyInfo certificates as a hint only: they are never trusted on their own."""
    if key_info is None:
        return []
    found = []
    for cert in _X509_CERTIFICATES(key_info):
        try:
            found.append(base64.b64decode("".join((cert.text or "").split()), validate=True))
        except (binascii.Error, ValueError):
            continue
    return found


@lru_cache(maxsize=256)
def _public_key(der: bytes):
    """Load a trusted certificate's public key once; metadata certificates repeat on every call."""
    return x509.load_der_x509_certificate(der).public_key()


def fingerprint(der: bytes) -> str:
    """Return the SHA-256 fingerprint an administrator can compare with the IdP's screen."""
    return sha256_fingerprint(der)


def _subject(der: bytes) -> str | None:
    """Return the subject of a certificate from KeyInfo, to explain a refusal (never to trust it)."""
    try:
        return x509.load_der_x509_certificate(der).subject.rfc4514_string()[:256]
    except Exception:  # noqa: BLE001 - an unreadable hint only loses its name
        return None


def _check_signature_value(
    signed_info: bytes,
    value: bytes,
    method: tuple[str, str],
    certificates: Sequence[bytes],
    key_info: etree._Element | None,
) -> bytes:
    """Verify SignatureValue with the trusted certificates (SAML Core 5.4.5, XML-DSig 3.2.2).

    Return the trusted certificate that verified it. A KeyInfo certificate
    that is one of the trusted ones is tried first; one that is not is only
    used to explain the failure.
    """
    trusted = list(dict.fromkeys(certificates))
    # With one trusted certificate there is nothing to order: read KeyInfo only to explain a failure.
    hints = _key_info_certificates(key_info) if len(trusted) > 1 else []
    preferred = [c for c in hints if c in trusted]
    ordered = preferred + [c for c in trusted if c not in preferred]
    key_type, hash_name = method
    for der in ordered:
        try:
            key = _public_key(der)
        except Exception:  # an unreadable or unsupported metadata certificate is skipped, not fatal
            continue
        if _verifies(key, key_type, hash_name, signed_info, value):
            return der
    hints = hints or _key_info_certificates(key_info)
    preferred = [c for c in hints if c in trusted]
    unknown = [c for c in hints if c not in trusted]
    if unknown and not preferred:
        raise SignatureUntrustedKey(
            "The message was signed with the certificate of thumbprint "
            f"{sha1_thumbprint(unknown[0])}, which is not one of this provider's signing "
            "certificates.",
            expected=[sha1_thumbprint(c) for c in trusted],
            actual=sha1_thumbprint(unknown[0]),
            signer_sha256=fingerprint(unknown[0]),
            signer_subject=_subject(unknown[0]),
        )
    raise SignatureInvalid(
        "The signature does not verify with any certificate from the provider's metadata.",
        expected=[fingerprint(c) for c in trusted],
    )


def _verifies(key, key_type: str, hash_name: str, data: bytes, value: bytes) -> bool:
    algorithm = _HASHES[hash_name]
    try:
        if key_type == "rsa" and isinstance(key, rsa.RSAPublicKey):
            key.verify(value, data, _PKCS1V15, algorithm)
            return True
        if key_type == "ec" and isinstance(key, ec.EllipticCurvePublicKey):
            # XML-DSig 1.1 (RFC 4050) encodes ECDSA signatures as r || s, not DER.
            half = len(value) // 2
            if len(value) % 2 or half * 8 < key.curve.key_size:
                return False
            der = encode_dss_signature(
                int.from_bytes(value[:half], "big"), int.from_bytes(value[half:], "big")
            )
            key.verify(der, data, ec.ECDSA(algorithm))
            return True
    except InvalidSignature:
        return False
    return False
