"""Compare what the SP emits with committed golden files.

Run ``SSOCONSOLE_UPDATE_GOLDEN=1 pytest tests/saml`` to rewrite them after an
intended change, then review the diff in git; without the flag a mismatch (or
a missing file) fails with a unified diff.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("SSOCONSOLE_UPDATE_GOLDEN") == "1"


def assert_matches_golden(name: str, actual: bytes) -> None:
    """Fail with a diff unless ``actual`` equals ``golden/<name>`` byte for byte."""
    path = GOLDEN_DIR / name
    if UPDATE:
        path.write_bytes(actual)
        return
    if not path.exists():
        pytest.fail(f"golden file {name} is missing; create it with SSOCONSOLE_UPDATE_GOLDEN=1")
    expected = path.read_bytes()
    if actual != expected:
        diff = "\n".join(
            difflib.unified_diff(
                expected.decode("utf-8", "replace").splitlines(),
                actual.decode("utf-8", "replace").splitlines(),
                f"golden/{name}",
                "actual",
                lineterm="",
            )
        )
        pytest.fail(
            f"output differs from golden/{name} (rerun with SSOCONSOLE_UPDATE_GOLDEN=1 "
            f"if the change is intended):\n{diff}"
        )
