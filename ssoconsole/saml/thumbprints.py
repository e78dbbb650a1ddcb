"""Name a certificate the way administrators compare it: by digest, in one notation.

Entra ID shows a signing certificate's SHA-1 "Thumbprint" as uppercase hex
without separators; the console shows that and the SHA-256 fingerprint in
the same notation everywhere (pages, API, refusals, audit), so that a value
copied from either side matches character for character.

SHA-1 identifies here, it does not protect: a certificate is trusted by its
exact bytes in the metadata, never by a digest.
"""

from __future__ import annotations

import hashlib


def sha256_fingerprint(der: bytes) -> str:
    """Return the SHA-256 digest of a DER certificate as uppercase hex (no separators)."""
    return hashlib.sha256(der).hexdigest().upper()


def sha1_thumbprint(der: bytes) -> str:
    """Return the SHA-1 thumbprint of a DER certificate as Entra ID and Windows show it."""
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()
