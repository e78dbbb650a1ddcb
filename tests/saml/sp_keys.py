"""Fixed, test-only key material and SP configuration for the SP-side tests.

The keys under ``golden/`` were generated for these tests, are public, and
must never be used anywhere else. Fixed keys (RSA PKCS#1 v1.5 signatures are
deterministic) and a fixed clock make the golden files reproducible.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ssoconsole.saml.config import IdentityProvider, ServiceProvider

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
SAMPLES_DIR = Path(__file__).resolve().parents[1] / "data" / "idp-samples"

SP_SIGNING_KEY_PEM = (GOLDEN_DIR / "test-only-sp-signing-key.pem").read_bytes()
SP_SIGNING_CERT_PEM = (GOLDEN_DIR / "test-only-sp-signing-cert.pem").read_bytes()
SP_ENCRYPTION_KEY_PEM = (GOLDEN_DIR / "test-only-sp-encryption-key.pem").read_bytes()
SP_ENCRYPTION_CERT_PEM = (GOLDEN_DIR / "test-only-sp-encryption-cert.pem").read_bytes()

FIXED_NOW = datetime(2026, 11, 27, 5, 0, 0, tzinfo=UTC)
TENANT = "3f2c6f4e-6f0a-4d52-9a43-6c1d2e0b7a11"
ENTRA_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def der(cert_pem: bytes) -> bytes:
    """Return the DER form of a PEM certificate."""
    return x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)


def public_key_pem(cert_pem: bytes) -> bytes:
    """Return the certificate's public key as PEM, for tools that want a bare key."""
    return (
        x509.load_pem_x509_certificate(cert_pem)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def service_provider(*, signing: bool = True, encryption: bool = False) -> ServiceProvider:
    """Return the tenant's SP configuration as the application would build it."""
    return ServiceProvider(
        entity_id=f"https://console.example.test/{TENANT}",
        acs_url=f"https://console.example.test/sso/{TENANT}/acs",
        signing_key_pem=SP_SIGNING_KEY_PEM if signing else None,
        signing_cert_pem=SP_SIGNING_CERT_PEM if signing else None,
        encryption_key_pem=SP_ENCRYPTION_KEY_PEM if encryption else None,
        encryption_cert_pem=SP_ENCRYPTION_CERT_PEM if encryption else None,
    )


def entra_idp(*, post: bool = False) -> IdentityProvider:
    """Return an Entra ID-shaped IdP configuration (Redirect endpoint, optionally POST)."""
    url = f"https://login.microsoftonline.com/{ENTRA_TENANT}/saml2"
    return IdentityProvider(
        entity_id=f"https://sts.windows.net/{ENTRA_TENANT}/",
        signing_certificates=(der(SP_ENCRYPTION_CERT_PEM),),
        sso_url_redirect=url,
        sso_url_post=url if post else None,
    )


def counter_random_bytes():
    """Return a ``random_bytes`` stand-in yielding 00.., 01.., ... so IDs are reproducible."""
    state = {"n": 0}

    def random_bytes(n: int) -> bytes:
        value = state["n"]
        state["n"] += 1
        return value.to_bytes(n, "big")

    return random_bytes
