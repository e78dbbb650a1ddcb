"""The reference agent uses the public HTTP API and the standard library only: no server code, no Django."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import ssoconsole_agent

PACKAGE = Path(ssoconsole_agent.__file__).parent


def imported_modules() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.add(node.module)
    return found


def test_every_import_is_the_standard_library_or_the_agent_itself():
    foreign = {
        name
        for name in imported_modules()
        if name.split(".")[0] not in sys.stdlib_module_names
        and name.split(".")[0] != "ssoconsole_agent"
    }
    assert foreign == set()


def test_running_every_command_module_loads_neither_django_nor_the_server():
    script = (
        "import sys, ssoconsole_agent.cli\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'ssoconsole', 'httpx'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_console_script_is_installed_and_answers_help():
    """pyproject.toml's second console script, next to ``ssoconsole`` in the environment's bin."""
    script = Path(sys.executable).parent / "ssoconsole-agent"
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    for command in ("login", "status", "run", "logout"):
        assert command in result.stdout
