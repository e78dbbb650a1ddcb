"""The repository stands alone: no code, test, benchmark or CI script reads a file outside it.

A clone in an empty directory must pass its own tests (.ci/run makes such a
clone); a path that climbs out of the checkout, or names the machine it was
written on, would pass here and fail there.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("ssoconsole", "tests", "benchmarks", "fuzz", ".ci", "run")
OUTSIDE = re.compile(r"""\.\./shared|/work/|parent\s*/\s*["']shared["']|parents\[\d\]\.parent""")


def _built(path: Path) -> bool:
    """Whether ``path`` is in a built environment (benchmarks/.venv), git-ignored third-party code."""
    return any(part.startswith(".venv") for part in path.relative_to(ROOT).parts)


def test_nothing_reads_a_file_outside_the_repository():
    offenders = []
    for name in SCANNED:
        base = ROOT / name
        paths = [base] if base.is_file() else sorted(base.rglob("*"))
        for path in paths:
            if not path.is_file() or path.suffix in {".pyc", ".png", ".xml", ".pem", ".der"}:
                continue
            if _built(path):
                continue
            if path == Path(__file__).resolve():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            offenders += [
                f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}"
                for m in OUTSIDE.finditer(text)
            ]
    assert not offenders, f"paths outside the repository: {offenders}"


# A rule is cited by a heading of docs/rules.md (or another docs/ page), never by a
# section number of a document that does not ship with the code, nor by an issue number:
# a reader of a clone has neither, and numbers drift while anchors are checked below.
CITATION = re.compile(r"\bSPEC\s+(?:section|§|\d)|\bSTYLE\s+(?:guideline|\d)|\b[Ii]ssues?\s+#?\d+")
RULES_ANCHOR = re.compile(r"docs/rules\.md#([A-Za-z0-9_-]+)")
TEXT_SUFFIXES = {".py", ".sh", ".toml", ".cfg", ".txt", ".html", ".js", ".css", ""}


def _scanned_text_files():
    """Yield (path, text) of every code, test, benchmark, fuzz and CI file; markdown is prose."""
    for name in SCANNED:
        base = ROOT / name
        paths = [base] if base.is_file() else sorted(base.rglob("*"))
        for path in paths:
            if not path.is_file() or path.suffix not in TEXT_SUFFIXES:
                continue
            if path == Path(__file__).resolve() or "__pycache__" in path.parts or _built(path):
                continue
            yield path, path.read_text(encoding="utf-8", errors="replace")


def _github_slug(heading: str) -> str:
    """Return the anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return slug.replace(" ", "-")


def test_code_and_tests_cite_rules_by_docs_anchor_not_outside_sections_or_issue_numbers():
    offenders = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
        for path, text in _scanned_text_files()
        for m in CITATION.finditer(text)
    ]
    assert not offenders, f"cite docs/rules.md#anchor instead of: {offenders}"


def test_every_cited_rules_anchor_is_a_heading_of_docs_rules():
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*$", (ROOT / "docs/rules.md").read_text(), re.M)
    anchors = {_github_slug(heading) for heading in headings}
    cited = {
        (m.group(1), f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}")
        for path, text in _scanned_text_files()
        for m in RULES_ANCHOR.finditer(text)
    }
    assert cited, "no code cites docs/rules.md; the anchor check would pass vacuously"
    missing = sorted(f"{where}: #{anchor}" for anchor, where in cited if anchor not in anchors)
    assert not missing, f"anchors cited but not headed in docs/rules.md: {missing}"


def test_github_slug_matches_githubs_rule_for_punctuation_and_case():
    assert _github_slug("SP-initiated only") == "sp-initiated-only"
    assert _github_slug("Operations, SCIM and agents") == "operations-scim-and-agents"
    assert _github_slug("No 5xx") == "no-5xx"
