"""The ``ssoconsole demo`` command line: its options are documented where a newcomer looks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ssoconsole.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_demo_help_offers_configured():
    """`ssoconsole demo --help` explains --configured and points at the admin guide."""
    result = run("demo", "--help")
    assert result.returncode == 0, result.stderr
    assert "--configured" in result.stdout and "docs/admin-guide.md" in " ".join(
        result.stdout.split()
    )


def test_usage_lists_demo_configured():
    """The command list names the option too."""
    assert "demo [--configured]" in run("--help").stdout


def test_the_run_script_passes_options_to_the_demo():
    """`./run demo --configured` reaches `ssoconsole demo` unchanged."""
    script = (ROOT / "run").read_text()
    assert '"$VENV/bin/ssoconsole" demo "$@"' in script and "./run demo [--configured]" in script
