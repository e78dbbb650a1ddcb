"""Shared fixtures of the SAML core tests: plain pytest, no Django.

``signing`` (beside this file) builds the signed responses; the fixtures
here only hand out its fixed configuration so tests read as behaviour.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import signing  # noqa: E402

SAMPLES = Path(__file__).parents[2].parent / "shared" / "samples"


@pytest.fixture
def samples() -> Path:
    """Return the real-world samples folder, skipping when the shared copy is absent."""
    if not SAMPLES.is_dir():
        pytest.skip(f"shared samples not found at {SAMPLES}")
    return SAMPLES


@pytest.fixture
def idp():
    """Return the IdentityProvider that trusts the default test signing key."""
    return signing.idp_config()
