"""The SAML core is plain Python: importing all of it never imports Django."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import ssoconsole.saml

REPO = Path(__file__).parents[2]


def test_every_saml_module_imports_without_django():
    """A fresh interpreter imports each ssoconsole.saml module and finds no 'django' in sys.modules."""
    modules = sorted(
        f"ssoconsole.saml.{m.name}" for m in pkgutil.iter_modules(ssoconsole.saml.__path__)
    )
    assert "ssoconsole.saml.response" in modules and "ssoconsole.saml.xmldsig" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m, mod in sys.modules.items() if mod is not None and m.split('.')[0] == 'django')\n"
        "assert not leaked, leaked\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_saml_tests_do_not_import_django():
    """No test module of tests/saml names Django, so the suite runs where Django is not installed."""
    offenders = [
        p.name
        for p in Path(__file__).parent.glob("*.py")
        if p.name != Path(__file__).name
        and ("import django" in p.read_text() or "from django" in p.read_text())
    ]
    assert offenders == []
