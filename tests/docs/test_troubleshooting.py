"""docs/troubleshooting.md covers every error code the product can show, and only those.

A refusal page, the audit log, a console form and the REST API show a code
(``saml.audience_mismatch``, ``sso.unknown_user``, ``org_not_found``, ...); an
administrator searches the troubleshooting page for it. The codes come from the
registries (``ssoconsole/<package>/errors.py``, read by
``ssoconsole.core.errors.registry``), never from a scan of the source text. A
code is documented by a ``### `code` `` section (sign-in and provider codes:
what it means, what the user sees, what to change) or by a row of one of the
page's tables whose first cell is the code (request and agent codes).
"""

from __future__ import annotations

import re
from pathlib import Path

from ssoconsole.core.errors import PACKAGES, registry

PAGE = Path(__file__).resolve().parents[2] / "docs" / "troubleshooting.md"
HEADING = re.compile(r"^### `([a-z0-9_.]+)`\s*$", re.MULTILINE)
TABLE_ROW = re.compile(r"^\| `([a-z0-9_.]+)` \|", re.MULTILINE)
# Every section answers the three questions an administrator arrives with.
PARTS = ("**What it means.**", "**What the user sees.**", "**What to change.**")


def codes() -> set[str]:
    """Return every code of every package's registry."""
    return {code for package in PACKAGES for code in registry(package)}


def sections() -> dict[str, str]:
    """Return each code documented under its own heading, with the text of its section."""
    text = PAGE.read_text(encoding="utf-8")
    matches = list(HEADING.finditer(text))
    found = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        found[match[1]] = text[match.end() : end]
    return found


def documented() -> set[str]:
    """Return every code with a section or a table row."""
    return set(sections()) | set(TABLE_ROW.findall(PAGE.read_text(encoding="utf-8")))


def test_every_code_in_the_registries_is_documented():
    """A code a user or admin can be shown has a section or a table row of its own."""
    missing = sorted(codes() - documented())
    assert not missing, f"document these codes in docs/troubleshooting.md: {', '.join(missing)}"


def test_every_documented_code_exists():
    """The page does not keep advice for codes the product no longer has."""
    stale = sorted(documented() - codes())
    assert not stale, f"docs/troubleshooting.md documents codes that do not exist: {stale}"


def test_every_section_says_what_it_means_what_users_see_and_what_to_change():
    """Each section answers the three questions, in that order, and no code appears twice."""
    text = PAGE.read_text(encoding="utf-8")
    entries = HEADING.findall(text) + TABLE_ROW.findall(text)
    assert len(entries) == len(set(entries)), "a code is documented twice"
    for code, body in sections().items():
        positions = [body.find(part) for part in PARTS]
        assert all(p >= 0 for p in positions), f"{code}: every section needs {', '.join(PARTS)}"
        assert positions == sorted(positions), f"{code}: keep the order {', '.join(PARTS)}"
