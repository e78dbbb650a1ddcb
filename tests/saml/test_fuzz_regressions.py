"""Every input the fuzzers ever found a crash with, replayed through every target.

``fuzz/atheris_saml.py`` writes a crashing input as ``crash-<sha1>``; it is
then kept in ``tests/saml/fuzz_crashes/`` (named after what it broke, ``.bin``) and this
test pins the fix. The folder also holds hand-made hostile inputs (billion
laughs, deep nesting, an oversized DEFLATE stream) that the fuzzers should
never stop refusing.
"""

from __future__ import annotations

from pathlib import Path

import fuzz_targets
import pytest

CRASHES = Path(__file__).parent / "fuzz_crashes"
INPUTS = sorted(p for p in CRASHES.iterdir() if p.is_file() and p.suffix != ".md")


def test_the_crash_folder_is_not_empty():
    assert len(INPUTS) >= 3


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
@pytest.mark.parametrize("target", sorted(fuzz_targets.TARGETS))
def test_a_kept_input_is_refused_cleanly(path, target):
    fuzz_targets.run(target, path.read_bytes())


@pytest.mark.parametrize("path", [p for p in INPUTS if p.suffix == ".bin"], ids=lambda p: p.name)
def test_a_kept_atheris_input_is_refused_cleanly_by_the_target_it_chose(path):
    """An atheris input (``.bin``) picks its target with its first byte, as the harness does."""
    data = path.read_bytes()
    names = sorted(fuzz_targets.TARGETS)
    fuzz_targets.run(names[data[0] % len(names)], data[1:])
