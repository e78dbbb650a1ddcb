"""Admin messages of refusals: a compared value, or the rule in words, never a bare "nothing"."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from ssoconsole.core.errors import Refusal
from ssoconsole.saml import xmldsig

PACKAGE = Path(__file__).resolve().parents[2] / "ssoconsole"
# The registries that define refusal classes; importing them registers every subclass.
MODULES = ("ssoconsole.saml.errors", "ssoconsole.sso.errors")


def refusal_classes() -> dict[str, type]:
    for name in MODULES:
        importlib.import_module(name)
    found, todo = {}, [Refusal]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return found


def raised_without_expected() -> list[tuple[str, str]]:
    """Return ``(where, class name)`` of every call with ``actual=`` and no ``expected=``."""
    calls = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                keywords = {k.arg for k in node.keywords}
                if "actual" in keywords and "expected" not in keywords:
                    name = ast.unparse(node.func).rsplit(".", 1)[-1]
                    calls.append((f"{path.relative_to(PACKAGE)}:{node.lineno}", name))
    return calls


def test_every_refusal_raised_without_an_expected_value_says_in_words_what_is_expected():
    classes = refusal_classes()
    calls = [(where, name) for where, name in raised_without_expected() if name in classes]
    assert len(calls) >= 10  # the scan finds the raise sites (SHA-1, times, RelayState, ...)
    silent = [f"{where} {name}" for where, name in calls if not classes[name].expected_in_words]
    assert not silent, f"refusals that would say 'Expected: nothing': {silent}"


def test_sha1_signatures_are_refused_with_the_sha256_methods_named():
    message = xmldsig.SHA1Refused(
        "The signature method uses SHA-1.", actual="http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    ).admin_message()
    assert "Expected: RSA or ECDSA with SHA-256, SHA-384 or SHA-512" in message
    assert "received: “http://www.w3.org/2000/09/xmldsig#rsa-sha1”" in message
    assert "None" not in message and "nothing" not in message


@pytest.mark.parametrize("expected", ["sha256", ["a", "b"]])
def test_a_given_expected_value_wins_over_the_words(expected):
    error = xmldsig.SHA1Refused("x", expected=expected, actual="y")
    assert "RSA or ECDSA" not in error.admin_message()
