"""Shared set-up of the SAML core tests: plain pytest, no Django.

Puts this folder on ``sys.path`` so that the test modules here can
``import signing``, the shared builder of signed responses (code outside
this folder adds ``tests/saml`` to its path itself), and hands out the
real-world samples folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

SAMPLES = Path(__file__).parents[2].parent / "shared" / "samples"


@pytest.fixture
def samples() -> Path:
    """Return the real-world samples folder; its absence is a failure, not a skip."""
    if not SAMPLES.is_dir():
        pytest.fail(f"shared samples not found at {SAMPLES}: the checkout must sit beside shared/")
    return SAMPLES
