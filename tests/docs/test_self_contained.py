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


def test_nothing_reads_a_file_outside_the_repository():
    offenders = []
    for name in SCANNED:
        base = ROOT / name
        paths = [base] if base.is_file() else sorted(base.rglob("*"))
        for path in paths:
            if not path.is_file() or path.suffix in {".pyc", ".png", ".xml", ".pem", ".der"}:
                continue
            if path == Path(__file__).resolve():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            offenders += [
                f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}"
                for m in OUTSIDE.finditer(text)
            ]
    assert not offenders, f"paths outside the repository: {offenders}"
