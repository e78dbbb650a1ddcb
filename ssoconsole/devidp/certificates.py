"""Token-signing certificates like the ones Entra creates for a SAML app.

Entra issues a self-signed RSA-2048 certificate with the subject
``CN=Microsoft Azure Federated SSO Certificate`` that is valid for three
years; the dev IdP makes the same shape with its own subject name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

SUBJECT_CN = "ssoconsole Development IdP Federated SSO Certificate"
VALIDITY = dt.timedelta(days=3 * 365)


@dataclass(frozen=True)
class CertificateAndKey:
    certificate_pem: str
    private_key_pem: str
    thumbprint: str
    not_before: dt.datetime
    not_after: dt.datetime


def generate(now: dt.datetime) -> CertificateAndKey:
    """Return a new RSA-2048 key and a self-signed certificate valid from ``now`` for three years."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SUBJECT_CN)])
    not_before = now.replace(microsecond=0)
    not_after = not_before + VALIDITY
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return CertificateAndKey(
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii"),
        thumbprint=thumbprint(cert),
        not_before=not_before,
        not_after=not_after,
    )


def thumbprint(cert: x509.Certificate) -> str:
    """Return the SHA-1 thumbprint in Entra's notation (upper-case hex, no separators)."""
    return cert.fingerprint(hashes.SHA1()).hex().upper()


def base64_der(certificate_pem: str) -> str:
    """Return the certificate as the one-line base64 DER that goes into ds:X509Certificate."""
    lines = [line for line in certificate_pem.strip().splitlines() if not line.startswith("-----")]
    return "".join(lines)
