"""The random values of the hand-off and the agent token, and how they are stored.

Every secret carries 256 random bits, so a fast hash (SHA-256) is enough to
keep the stored copies useless: there is nothing to brute-force that a slow
hash would protect (the same reasoning as ``accounts.ApiToken``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

AGENT_TOKEN_PREFIX = (
    "ssoa_"  # not the API token's "ssoc_": each bearer scheme recognises only its own
)
# RFC 8628 section 6.1: consonants only (no vowels, so no words), no look-alikes.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"


def new_secret() -> str:
    """Return a URL-safe random value of 256 bits."""
    return secrets.token_urlsafe(32)


def new_agent_token() -> str:
    return AGENT_TOKEN_PREFIX + new_secret()


def digest(raw: str) -> str:
    """Return the stored form of a secret: its SHA-256, in hex."""
    return hashlib.sha256(raw.encode()).hexdigest()


def matches(raw: str, stored_digest: str) -> bool:
    """Compare a presented secret with a stored digest in constant time."""
    return hmac.compare_digest(digest(raw), stored_digest)


def new_user_code() -> str:
    """Return a code like ``WDJB-MJHT`` that the agent and the browser both show.

    It is not a credential (the browser URL is): it lets the user see that the
    page in front of them belongs to the agent in front of them.
    """
    letters = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
    return f"{letters[:4]}-{letters[4:]}"
