"""Build Entra-shaped, signed (and optionally encrypted) SAML Responses for tests.

Shared by the SAML core tests, the benchmark, the interop tests and the
application's tests, so the API is small and stable:

- :data:`NOW`, :data:`SP`, :data:`IDP_ENTITY_ID`, :data:`REQUEST_ID` and
  :func:`idp_config`, :func:`expected`: a fixed clock and matching configuration;
- :func:`keypair`: a generated test key and self-signed certificate, cached in-process;
- :func:`build_response_tree` / :func:`build_response` / :func:`encode`:
  a Response as an lxml tree, as bytes, as the base64 form value;
- :func:`sign_element` (and :func:`sign_assertion`): an enveloped XML signature with every knob a test needs
  (written on lxml's exclusive C14N and ``cryptography``; the tests in
  ``test_xmldsig.py`` check that signxml accepts what it produces);
- :func:`encrypt_element`: an EncryptedAssertion for a given SP certificate.

Nothing here talks to the network or reads the clock; IDs are fixed strings.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from lxml import etree

from ssoconsole.saml.config import Expected, IdentityProvider, ServiceProvider

DS = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
ECDSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"

NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)
TENANT = "3f2b6c1e-8d4a-4f0e-9b7c-2a1d5e6f7a8b"
ENTRA_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
SP = ServiceProvider(
    entity_id=f"https://console.example.com/{TENANT}",
    acs_url=f"https://console.example.com/sso/{TENANT}/acs",
)
IDP_ENTITY_ID = f"https://sts.windows.net/{ENTRA_TENANT}/"
REQUEST_ID = "_a1b2c3d4e5f60718293a4b5c6d7e8f90"
RESPONSE_ID = "_00000000-0000-4000-8000-000000000001"
ASSERTION_ID = "_00000000-0000-4000-8000-000000000002"
SESSION_INDEX = "_00000000-0000-4000-8000-000000000003"

ENTRA_CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
MS_CLAIMS = "http://schemas.microsoft.com/identity/claims/"
DEFAULT_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    MS_CLAIMS + "tenantid": (ENTRA_TENANT,),
    MS_CLAIMS + "objectidentifier": ("0f6a2c1d-5b3e-4c7a-9e8f-1a2b3c4d5e6f",),
    MS_CLAIMS + "displayname": ("Alice Example",),
    MS_CLAIMS + "identityprovider": (IDP_ENTITY_ID,),
    "http://schemas.microsoft.com/claims/authnmethodsreferences": (
        "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password",
        "http://schemas.microsoft.com/claims/multipleauthn",
    ),
    ENTRA_CLAIMS + "givenname": ("Alice",),
    ENTRA_CLAIMS + "surname": ("Example",),
    ENTRA_CLAIMS + "emailaddress": ("alice@example.com",),
    ENTRA_CLAIMS + "name": ("alice@example.com",),
}

# A default that means "compute the usual value"; None means "leave it out".
DEFAULT = object()


@dataclass(frozen=True)
class KeyPair:
    """A test private key with its self-signed certificate."""

    private_key: object
    cert_der: bytes
    cert_pem: bytes
    key_pem: bytes


def keypair(name: str = "idp", kind: str = "rsa2048") -> KeyPair:
    """Return a cached key pair; ``kind`` is rsa2048, rsa3072, ec256 or ec384.

    The same (name, kind) always gives the same key within one process.
    """
    return _keypair(name, kind)


@cache
def _keypair(name: str, kind: str) -> KeyPair:
    if kind.startswith("rsa"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
    else:
        key = ec.generate_private_key({"ec256": ec.SECP256R1(), "ec384": ec.SECP384R1()}[kind])
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"ssoconsole test {name}")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big"))
        .not_valid_before(datetime(2025, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2028, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    return KeyPair(
        private_key=key,
        cert_der=cert.public_bytes(serialization.Encoding.DER),
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def idp_config(*keypairs: KeyPair, entity_id: str = IDP_ENTITY_ID) -> IdentityProvider:
    """Return the IdentityProvider that trusts ``keypairs`` (default: the "idp" test key)."""
    pairs = keypairs or (keypair(),)
    return IdentityProvider(
        entity_id=entity_id, signing_certificates=tuple(p.cert_der for p in pairs)
    )


def expected(request_id: str = REQUEST_ID) -> Expected:
    """Return the outstanding request the default Response answers."""
    return Expected(request_id=request_id)


def instant(moment: datetime) -> str:
    """Format a time the way Entra ID does (UTC, milliseconds, Z)."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _pick(value, default):
    return default if value is DEFAULT else value


def build_assertion(
    *,
    now: datetime = NOW,
    sp: ServiceProvider = SP,
    issuer: str = IDP_ENTITY_ID,
    assertion_id: str = ASSERTION_ID,
    name_id: str = "alice@example.com",
    name_id_format: str | None = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    recipient=DEFAULT,
    subject_in_response_to=DEFAULT,
    subject_not_on_or_after=DEFAULT,
    not_before=DEFAULT,
    not_on_or_after=DEFAULT,
    audience=DEFAULT,
    attributes: dict[str, tuple[str, ...]] | None = None,
    session_index: str | None = SESSION_INDEX,
    session_not_on_or_after: datetime | None = None,
    authn_context_class_ref: str | None = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
) -> etree._Element:
    """Return an unsigned Assertion element shaped like Entra ID's.

    Times default to Entra's: NotBefore at the issue instant (minus 5 minutes
    for Conditions, as Entra does), NotOnOrAfter an hour later.
    """
    a = etree.Element(f"{{{SAML}}}Assertion", nsmap={None: SAML})
    a.set("ID", assertion_id)
    a.set("IssueInstant", instant(now))
    a.set("Version", "2.0")
    etree.SubElement(a, f"{{{SAML}}}Issuer").text = issuer
    subject = etree.SubElement(a, f"{{{SAML}}}Subject")
    nid = etree.SubElement(subject, f"{{{SAML}}}NameID")
    if name_id_format:
        nid.set("Format", name_id_format)
    nid.text = name_id
    sc = etree.SubElement(
        subject, f"{{{SAML}}}SubjectConfirmation", Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"
    )
    scd = etree.SubElement(sc, f"{{{SAML}}}SubjectConfirmationData")
    for attr, value in (
        ("InResponseTo", _pick(subject_in_response_to, REQUEST_ID)),
        ("NotOnOrAfter", _pick(subject_not_on_or_after, now + timedelta(hours=1))),
        ("Recipient", _pick(recipient, sp.acs_url)),
    ):
        if value is not None:
            scd.set(attr, instant(value) if isinstance(value, datetime) else value)
    conditions = etree.SubElement(a, f"{{{SAML}}}Conditions")
    for attr, value in (
        ("NotBefore", _pick(not_before, now - timedelta(minutes=5))),
        ("NotOnOrAfter", _pick(not_on_or_after, now + timedelta(hours=1))),
    ):
        if value is not None:
            conditions.set(attr, instant(value) if isinstance(value, datetime) else value)
    audiences = _pick(audience, sp.entity_id)
    if audiences is not None:
        restriction = etree.SubElement(conditions, f"{{{SAML}}}AudienceRestriction")
        for one in [audiences] if isinstance(audiences, str) else audiences:
            etree.SubElement(restriction, f"{{{SAML}}}Audience").text = one
    statement = etree.SubElement(a, f"{{{SAML}}}AttributeStatement")
    for name, values in (DEFAULT_ATTRIBUTES if attributes is None else attributes).items():
        attribute = etree.SubElement(statement, f"{{{SAML}}}Attribute", Name=name)
        for value in values:
            etree.SubElement(attribute, f"{{{SAML}}}AttributeValue").text = value
    if not len(statement):
        a.remove(statement)
    authn = etree.SubElement(
        a, f"{{{SAML}}}AuthnStatement", AuthnInstant=instant(now - timedelta(seconds=2))
    )
    if session_index:
        authn.set("SessionIndex", session_index)
    if session_not_on_or_after:
        authn.set("SessionNotOnOrAfter", instant(session_not_on_or_after))
    if authn_context_class_ref:
        ctx = etree.SubElement(authn, f"{{{SAML}}}AuthnContext")
        etree.SubElement(ctx, f"{{{SAML}}}AuthnContextClassRef").text = authn_context_class_ref
    return a


def build_response_tree(
    *,
    sign: str | None = "assertion",
    key: KeyPair | None = None,
    now: datetime = NOW,
    sp: ServiceProvider = SP,
    response_id: str = RESPONSE_ID,
    response_issuer=DEFAULT,
    destination=DEFAULT,
    in_response_to=DEFAULT,
    status: str = SUCCESS,
    second_status: str | None = None,
    status_message: str | None = None,
    include_assertion: bool = True,
    encrypt_for: KeyPair | None = None,
    encryption: dict | None = None,
    signature_options: dict | None = None,
    **assertion_options,
) -> etree._Element:
    """Return a Response tree; ``sign`` is "assertion" (Entra's default), "response", "both" or None.

    ``assertion_options`` go to :func:`build_assertion`, ``signature_options``
    to :func:`sign_element`; ``encrypt_for`` encrypts the (signed) assertion
    for that SP key pair with :func:`encrypt_element` and ``encryption``.
    """
    key = key or keypair()
    issuer = assertion_options.get("issuer", IDP_ENTITY_ID)
    r = etree.Element(f"{{{SAMLP}}}Response", nsmap={"samlp": SAMLP})
    r.set("ID", response_id)
    r.set("Version", "2.0")
    r.set("IssueInstant", instant(now))
    for attr, value in (
        ("Destination", _pick(destination, sp.acs_url)),
        ("InResponseTo", _pick(in_response_to, REQUEST_ID)),
    ):
        if value is not None:
            r.set(attr, value)
    response_issuer = _pick(response_issuer, issuer)
    if response_issuer is not None:
        etree.SubElement(r, f"{{{SAML}}}Issuer", nsmap={None: SAML}).text = response_issuer
    st = etree.SubElement(r, f"{{{SAMLP}}}Status")
    code = etree.SubElement(st, f"{{{SAMLP}}}StatusCode", Value=status)
    if second_status:
        etree.SubElement(code, f"{{{SAMLP}}}StatusCode", Value=second_status)
    if status_message:
        etree.SubElement(st, f"{{{SAMLP}}}StatusMessage").text = status_message
    if include_assertion:
        assertion = build_assertion(now=now, sp=sp, **assertion_options)
        r.append(assertion)
        if sign in ("assertion", "both"):
            sign_element(assertion, key, **(signature_options or {}))
        if encrypt_for is not None:
            r.replace(assertion, encrypt_element(assertion, encrypt_for, **(encryption or {})))
    if sign in ("response", "both"):
        sign_element(r, key, **(signature_options or {}))
    return r


def build_response(**options) -> bytes:
    """Return the serialized Response (see :func:`build_response_tree` for the options)."""
    return etree.tostring(build_response_tree(**options))


def encode(xml: bytes | etree._Element) -> str:
    """Return the base64 SAMLResponse form value for ``xml``."""
    if not isinstance(xml, bytes):
        xml = etree.tostring(xml)
    return base64.b64encode(xml).decode("ascii")


_DIGEST_NAMES = {SHA1: "sha1", SHA256: "sha256", SHA384: "sha384", SHA512: "sha512"}
_SIG_HASHES = {
    RSA_SHA1: hashes.SHA1,
    RSA_SHA256: hashes.SHA256,
    RSA_SHA512: hashes.SHA512,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": hashes.SHA384,
    ECDSA_SHA256: hashes.SHA256,
    ECDSA_SHA384: hashes.SHA384,
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": hashes.SHA512,
}


def sign_element(
    element: etree._Element,
    key: KeyPair,
    *,
    signature_method: str | None = None,
    digest_method: str = SHA256,
    transforms: tuple[str, ...] = (ENVELOPED, EXC_C14N),
    c14n_method: str = EXC_C14N,
    reference_uri: str | None = None,
    include_cert: bool | bytes = True,
    inclusive_prefixes: list[str] | None = None,
    ds_prefix: str | None = "ds",
) -> etree._Element:
    """Add an enveloped signature right after the element's Issuer and return it.

    The digest is always computed with exclusive C14N of the element without
    the signature, whatever ``transforms`` claims, so that a test can build a
    signature that is valid except for the one property it is about.
    ``include_cert`` may be a DER certificate to put in KeyInfo instead of the
    key's own; ``ds_prefix`` None declares XML-DSig as the default namespace.
    """
    if signature_method is None:
        signature_method = (
            ECDSA_SHA256 if isinstance(key.private_key, ec.EllipticCurvePrivateKey) else RSA_SHA256
        )
    canonical = etree.tostring(
        element,
        method="c14n",
        exclusive=True,
        with_comments=False,
        inclusive_ns_prefixes=inclusive_prefixes,
    )
    digest = hashlib.new(_DIGEST_NAMES.get(digest_method, "sha256"), canonical).digest()

    def ds(parent, name, **attrs):
        return etree.SubElement(parent, f"{{{DS}}}{name}", **attrs)

    signature = etree.Element(f"{{{DS}}}Signature", nsmap={ds_prefix: DS})
    signed_info = ds(signature, "SignedInfo")
    ds(signed_info, "CanonicalizationMethod", Algorithm=c14n_method)
    ds(signed_info, "SignatureMethod", Algorithm=signature_method)
    reference = ds(
        signed_info,
        "Reference",
        URI=reference_uri if reference_uri is not None else "#" + element.get("ID"),
    )
    transforms_el = ds(reference, "Transforms")
    for algorithm in transforms:
        transform = ds(transforms_el, "Transform", Algorithm=algorithm)
        if algorithm == EXC_C14N and inclusive_prefixes:
            etree.SubElement(
                transform,
                f"{{{EXC_C14N}}}InclusiveNamespaces",
                nsmap={"ec": EXC_C14N},
                PrefixList=" ".join(inclusive_prefixes),
            )
    ds(reference, "DigestMethod", Algorithm=digest_method)
    ds(reference, "DigestValue").text = base64.b64encode(digest).decode()
    value_el = ds(signature, "SignatureValue")
    if include_cert:
        cert = include_cert if isinstance(include_cert, bytes) else key.cert_der
        data = ds(ds(signature, "KeyInfo"), "X509Data")
        ds(data, "X509Certificate").text = base64.b64encode(cert).decode()
    issuer = element.find(f"{{{SAML}}}Issuer")
    element.insert(element.index(issuer) + 1 if issuer is not None else 0, signature)
    signed_bytes = etree.tostring(signed_info, method="c14n", exclusive=True, with_comments=False)
    value_el.text = base64.b64encode(
        _sign(key.private_key, signature_method, signed_bytes)
    ).decode()
    return signature


def sign_assertion(
    assertion: etree._Element, key: KeyPair | None = None, **options
) -> etree._Element:
    """Sign ``assertion`` with ``key`` (default: the "idp" test key); options as for :func:`sign_element`."""
    return sign_element(assertion, key or keypair(), **options)


def _sign(private_key, method: str, data: bytes) -> bytes:
    algorithm = _SIG_HASHES[method]()
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(data, padding.PKCS1v15(), algorithm)
    r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(algorithm)))
    size = (private_key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def encrypt_element(
    element: etree._Element | bytes,
    recipient: KeyPair,
    *,
    content: str = XENC11 + "aes256-gcm",
    key_transport: str = XENC + "rsa-oaep-mgf1p",
    oaep_digest: str | None = None,
    mgf: str | None = None,
    key_inside: bool = True,
) -> etree._Element:
    """Return an EncryptedAssertion holding ``element`` encrypted for ``recipient``.

    ``element`` may also be raw bytes, to encrypt a hostile plaintext.
    ``key_inside`` puts the EncryptedKey in EncryptedData/KeyInfo (Entra's
    layout); otherwise beside EncryptedData (SAML Core 2.3.4 allows both).
    """
    plaintext = element if isinstance(element, bytes) else etree.tostring(element)
    key_length = {"128": 16, "192": 24, "256": 32}[content.rsplit("aes", 1)[1][:3]]
    cek = os.urandom(key_length)
    if content.endswith("gcm"):
        iv = os.urandom(12)
        blob = iv + AESGCM(cek).encrypt(iv, plaintext, None)
    else:
        iv = os.urandom(16)
        pad = 16 - len(plaintext) % 16
        encryptor = Cipher(algorithms.AES(cek), modes.CBC(iv)).encryptor()
        blob = (
            iv
            + encryptor.update(plaintext + os.urandom(pad - 1) + bytes([pad]))
            + encryptor.finalize()
        )
    hash_for = {SHA1: hashes.SHA1, SHA256: hashes.SHA256, None: hashes.SHA1}
    mgf_for = {
        None: hashes.SHA1,
        XENC11 + "mgf1sha1": hashes.SHA1,
        XENC11 + "mgf1sha256": hashes.SHA256,
    }
    public = x509.load_der_x509_certificate(recipient.cert_der).public_key()
    wrapped = public.encrypt(
        cek,
        padding.OAEP(
            mgf=padding.MGF1(mgf_for[mgf]()), algorithm=hash_for[oaep_digest](), label=None
        ),
    )

    ea = etree.Element(f"{{{SAML}}}EncryptedAssertion", nsmap={None: SAML})
    data = etree.SubElement(
        ea, f"{{{XENC}}}EncryptedData", nsmap={"xenc": XENC}, Type=XENC + "Element"
    )
    etree.SubElement(data, f"{{{XENC}}}EncryptionMethod", Algorithm=content)
    encrypted_key = etree.Element(f"{{{XENC}}}EncryptedKey", nsmap={"xenc": XENC})
    method = etree.SubElement(encrypted_key, f"{{{XENC}}}EncryptionMethod", Algorithm=key_transport)
    if oaep_digest:
        etree.SubElement(method, f"{{{DS}}}DigestMethod", nsmap={"ds": DS}, Algorithm=oaep_digest)
    if mgf:
        etree.SubElement(method, f"{{{XENC11}}}MGF", nsmap={"xenc11": XENC11}, Algorithm=mgf)
    etree.SubElement(
        etree.SubElement(encrypted_key, f"{{{XENC}}}CipherData"), f"{{{XENC}}}CipherValue"
    ).text = base64.b64encode(wrapped).decode()
    if key_inside:
        etree.SubElement(data, f"{{{DS}}}KeyInfo", nsmap={"ds": DS}).append(encrypted_key)
    etree.SubElement(
        etree.SubElement(data, f"{{{XENC}}}CipherData"), f"{{{XENC}}}CipherValue"
    ).text = base64.b64encode(blob).decode()
    if not key_inside:
        ea.append(encrypted_key)
    return ea
