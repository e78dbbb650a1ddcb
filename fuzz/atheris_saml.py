"""Coverage-guided fuzzing (atheris) of the SAML core's untrusted-input entry points.

    .venv/bin/python fuzz/atheris_saml.py -max_total_time=60 -artifact_prefix=DIR/ [CORPUS_DIR]

The first byte of each input picks the target (response decoder, posted
field, XML hardening, metadata parser, redirect decoder: the functions of
``tests/saml/fuzz_targets.py``), the rest is the input. Anything but a
``SAMLError`` is a crash: libFuzzer writes the input to ``DIR/crash-<sha1>``
and exits non-zero. Keep that file in ``tests/saml/fuzz_crashes/`` so that
``tests/saml/test_fuzz_regressions.py`` pins the fix. CI runs it for about a
minute (``./run fuzz``), starting from the seeds (valid responses and real
IdP metadata).
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "saml"))

with atheris.instrument_imports():
    import fuzz_targets

    import ssoconsole.saml.bindings
    import ssoconsole.saml.metadata
    import ssoconsole.saml.response
    import ssoconsole.saml.xml  # noqa: F401

NAMES = sorted(fuzz_targets.TARGETS)


def test_one_input(data: bytes) -> None:
    if not data:
        return
    fuzz_targets.run(NAMES[data[0] % len(NAMES)], data[1:])


def write_seeds(directory: Path) -> None:
    """Put each seed once per target into ``directory`` (libFuzzer's starting corpus)."""
    directory.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(fuzz_targets.seeds()):
        for t, _name in enumerate(NAMES):
            (directory / f"seed-{i}-{t}").write_bytes(bytes([t]) + seed)


if __name__ == "__main__":
    corpus = [a for a in sys.argv[1:] if not a.startswith("-")]
    if corpus:
        write_seeds(Path(corpus[0]))
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
