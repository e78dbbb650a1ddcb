"""docs/troubleshooting.md covers every error code the product can show, and only those.

A refusal page and the audit log show a code (``saml.audience_mismatch``,
``sso.unknown_user``, ...); an administrator searches the troubleshooting
page for it. These tests collect the codes from the code itself, two ways:

* by class: every ``SAMLError`` and ``SSORefusal`` subclass, every
  ``DomainError`` and ``MappingError`` subclass defined in ``ssoconsole.sso``,
  after importing every module of ``ssoconsole.saml`` and ``ssoconsole.sso``;
* by text: every ``code = "saml.x"`` / ``code="sso.x"`` (also
  ``error_code=``) in the source, which catches codes passed as arguments to
  the generic ``ValidationFailed`` and ``Conflict`` in the sso app and the API.

A new code without a section fails the first test; a section for a code
that no longer exists fails the second.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import ssoconsole
from ssoconsole.core.errors import DomainError
from ssoconsole.saml.errors import SAMLError

ROOT = Path(ssoconsole.__file__).resolve().parent
PAGE = ROOT.parent / "docs" / "troubleshooting.md"
CODE_ASSIGNMENT = re.compile(
    r"""\b(?:error_)?code\s*(?::\s*ClassVar\[str\]\s*)?=\s*["']((?:saml|sso)\.[a-z0-9_]+)["']"""
)
HEADING = re.compile(r"^### `((?:saml|sso)\.[a-z0-9_]+)`\s*$", re.MULTILINE)
# Every section answers the three questions an administrator arrives with.
PARTS = ("**What it means.**", "**What the user sees.**", "**What to change.**")


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def codes_by_class() -> set[str]:
    """Return the ``code`` of every refusal class of the SAML core and the sso app."""
    for package in ("ssoconsole.saml", "ssoconsole.sso"):
        module = importlib.import_module(package)
        for info in pkgutil.iter_modules(module.__path__):
            if info.name not in ("migrations", "management"):
                importlib.import_module(f"{package}.{info.name}")
    from ssoconsole.sso.mapping import MappingError
    from ssoconsole.sso.refusals import SSORefusal

    classes = [
        SAMLError,
        *_subclasses(SAMLError),
        SSORefusal,
        *_subclasses(SSORefusal),
        MappingError,
        *_subclasses(MappingError),
    ]
    classes += [c for c in _subclasses(DomainError) if c.__module__.startswith("ssoconsole.sso.")]
    return {c.code for c in classes}


def codes_in_source() -> set[str]:
    """Return every ``saml.*`` / ``sso.*`` code assigned or passed as ``code=`` in the product's source."""
    found = set()
    for path in ROOT.rglob("*.py"):
        if "devidp" in path.parts or "migrations" in path.parts:
            continue  # the dev IdP speaks Entra's AADSTS numbers, not our codes
        found |= set(CODE_ASSIGNMENT.findall(path.read_text(encoding="utf-8")))
    return found


def documented() -> dict[str, str]:
    """Return each documented code with the text of its section."""
    text = PAGE.read_text(encoding="utf-8")
    matches = list(HEADING.finditer(text))
    sections = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        sections[match[1]] = text[match.end() : end]
    return sections


def test_every_code_in_the_code_has_a_section():
    """A code a user or admin can be shown is documented under its own heading."""
    missing = sorted((codes_by_class() | codes_in_source()) - set(documented()))
    assert not missing, (
        f"add a '### `code`' section to docs/troubleshooting.md for: {', '.join(missing)}"
    )


def test_every_section_names_a_code_that_exists():
    """The page does not keep advice for codes the product no longer has."""
    stale = sorted(set(documented()) - (codes_by_class() | codes_in_source()))
    assert not stale, (
        f"docs/troubleshooting.md documents codes that no longer exist: {', '.join(stale)}"
    )


def test_the_source_scan_sees_every_class_code():
    """The text scan is a superset of the class scan, so codes passed as arguments are not missed by design."""
    assert codes_by_class() <= codes_in_source()


def test_every_section_says_what_it_means_what_users_see_and_what_to_change():
    """Each section answers the three questions, in that order, and no code appears twice."""
    text = PAGE.read_text(encoding="utf-8")
    headings = HEADING.findall(text)
    assert len(headings) == len(set(headings)), "a code has two sections"
    for code, body in documented().items():
        positions = [body.find(part) for part in PARTS]
        assert all(p >= 0 for p in positions), f"{code}: every section needs {', '.join(PARTS)}"
        assert positions == sorted(positions), f"{code}: keep the order {', '.join(PARTS)}"
