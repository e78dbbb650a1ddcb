"""Set-up of the SAML core tests: plain pytest, no Django.

Puts this folder on ``sys.path`` so that the test modules here can
``import signing``, the one builder of signed responses that every test uses
(code outside this folder adds ``tests/saml`` to its path itself), and hands
out the real-world samples folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sp_keys import SAMPLES_DIR  # noqa: E402 - importable only once this folder is on the path


@pytest.fixture
def samples() -> Path:
    """Return the real-world samples folder (tests/data/idp-samples, part of the repository)."""
    return SAMPLES_DIR
