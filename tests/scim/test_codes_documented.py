"""Every SCIM error code has a row in docs/troubleshooting.md, and every row a code."""

from __future__ import annotations

import re
from pathlib import Path

import ssoconsole
from ssoconsole.scim.errors import CODES

PAGE = Path(ssoconsole.__file__).resolve().parent.parent / "docs" / "troubleshooting.md"


def _documented() -> set[str]:
    return set(re.findall(r"^\| `(scim\.[a-z_]+)` \|", PAGE.read_text(), re.MULTILINE))


def test_every_scim_code_has_a_troubleshooting_row():
    assert set(CODES) - _documented() == set()


def test_no_troubleshooting_row_names_a_code_that_does_not_exist():
    assert _documented() - set(CODES) == set()
