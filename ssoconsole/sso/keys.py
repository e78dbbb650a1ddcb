"""Generate SP signing keys and keep private keys encrypted at rest.

A database dump must not hand out the keys that sign a tenant's
AuthnRequests, so private keys are sealed with AES-256-GCM under a key
derived from Django's ``SECRET_KEY`` with HKDF-SHA256. The sealed text names
its format version and which secret sealed it::

    ssoc-k1$<key id>$<base64url(nonce || ciphertext+tag)>

The key id is the first 8 hex digits of SHA-256 over the derived key, so
:func:`open_sealed` can pick the right secret among ``SECRET_KEY`` and
``SECRET_KEY_FALLBACKS`` (Django's own rotation setting) without trial
decryption. The tenant id is bound in as associated data, so a sealed key
copied to another tenant's row does not open. Rotation: put the new secret in
``SECRET_KEY``, the old one in ``SECRET_KEY_FALLBACKS``, run
``ssoconsole reseal-sp-keys``, then drop the fallback.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID
from django.conf import settings

from ssoconsole.sso.errors import KeyDecryptionFailed

FORMAT = "ssoc-k1"
_HKDF_SALT = b"ssoconsole.sso.keys"
_HKDF_INFO = b"sp-private-key-encryption/v1"
CERT_VALIDITY = timedelta(days=3650)


@lru_cache(maxsize=8)
def _derive(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(
        secret.encode()
    )


def _key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def _keys() -> list[bytes]:
    """Return the derived keys, current first; read at call time so tests can override settings."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [_derive(s) for s in secrets if s]


def seal(plaintext: bytes, *, context: str) -> str:
    """Encrypt ``plaintext`` with the current secret; ``context`` (the tenant id) must match on opening."""
    key = _keys()[0]
    nonce = os.urandom(12)
    blob = AESGCM(key).encrypt(nonce, plaintext, context.encode())
    return f"{FORMAT}${_key_id(key)}${base64.urlsafe_b64encode(nonce + blob).decode('ascii')}"


def open_sealed(sealed: str, *, context: str) -> bytes:
    """Decrypt what :func:`seal` produced, with the secret its key id names.

    Opened keys are kept per process, keyed by the sealed text itself and
    the secrets: a rotated or resealed key is a different text, so the cache
    can never hand out a key the database no longer holds.
    """
    return _open_cached(sealed, context, tuple(_keys()))


@lru_cache(maxsize=256)
def _open_cached(sealed: str, context: str, secrets: tuple[bytes, ...]) -> bytes:
    try:
        version, key_id, payload = sealed.split("$", 2)
        raw = base64.urlsafe_b64decode(payload.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise KeyDecryptionFailed(
            "The stored SP private key is not in a format this version understands. "
            "Generate a new SP key pair for the tenant."
        ) from None
    if version != FORMAT:
        raise KeyDecryptionFailed(
            f"The stored SP private key uses format {version!r}; this version reads {FORMAT}."
        )
    for key in secrets:
        if _key_id(key) == key_id:
            try:
                return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode())
            except InvalidTag:
                raise KeyDecryptionFailed(
                    "The stored SP private key was altered or copied from another tenant, so it does not decrypt. "
                    "Generate a new SP key pair for the tenant."
                ) from None
    raise KeyDecryptionFailed(
        "The SP private key cannot be decrypted: the secret key that sealed it is neither SECRET_KEY nor in "
        "SECRET_KEY_FALLBACKS. Restore the old secret as a fallback, or generate a new SP key pair."
    )


def is_current(sealed: str) -> bool:
    """Tell whether ``sealed`` was sealed with the current secret (no re-sealing needed)."""
    parts = sealed.split("$", 2)
    return len(parts) == 3 and parts[0] == FORMAT and parts[1] == _key_id(_keys()[0])


@dataclass(frozen=True)
class KeyPair:
    private_key_pem: bytes
    certificate_pem: bytes


def generate_key_pair(common_name: str, *, now: datetime) -> KeyPair:
    """Return a new RSA-2048 key and a self-signed certificate valid for ten years from ``now``.

    Self-signed is what SAML needs: metadata carries the certificate, and the
    IdP trusts it by inclusion, not through a CA (SAML Metadata 2.4.1.1).
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + CERT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM),
    )
