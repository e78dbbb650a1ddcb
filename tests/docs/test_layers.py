"""The layers hold: who may import whom, one clock, one name per class (docs/architecture.md).

Read from the source with ``ast`` (imports inside functions count too), so a
lazy import cannot hide a dependency:

* the SAML core imports nothing of the product but the error model;
* ``core`` is the bottom layer (it may read ``ssoconsole.config``);
* no production module imports the development identity provider: it plugs
  itself in when enabled (``DevIdpConfig.ready``); only the demo seeds it;
* the apps import each other without cycles;
* time is read through ``ssoconsole.core.clock`` only;
* no two classes of the product share a name (Django's ``Command`` aside).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "ssoconsole"
# The demo command seeds the dev IdP it runs with; it is the one module outside devidp allowed to.
DEVIDP_USERS = {"ssoconsole.demo"}
# Django writes session expiry with its own timezone.now(); the session store reads it the same way.
OWN_CLOCK = {"ssoconsole.core.clock", "ssoconsole.accounts.session_store"}


def _modules() -> dict[str, ast.Module]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = ast.parse(path.read_text(encoding="utf-8"))
    return found


MODULES = _modules()


def _imports(name: str, tree: ast.Module) -> set[str]:
    """Return the ssoconsole modules (or packages) that ``name`` imports anywhere in its body."""
    package = (
        name
        if (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists()
        else name.rsplit(".", 1)[0]
    )
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("ssoconsole")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("ssoconsole"):
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    found.add(full if full in MODULES else target)
    return found


GRAPH = {name: _imports(name, tree) for name, tree in MODULES.items()}


def _app(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_the_saml_core_imports_only_itself_and_the_error_model():
    wrong = {
        (m, t)
        for m, targets in GRAPH.items()
        if _app(m) == "saml"
        for t in targets
        if _app(t) != "saml" and t != "ssoconsole.core.errors"
    }
    assert not wrong


def test_core_is_the_bottom_layer():
    wrong = {
        (m, t)
        for m, targets in GRAPH.items()
        if _app(m) == "core"
        for t in targets
        if _app(t) not in ("core", "config")
    }
    assert not wrong


def test_production_code_never_imports_the_development_identity_provider():
    wrong = {
        (m, t)
        for m, targets in GRAPH.items()
        if _app(m) != "devidp" and m not in DEVIDP_USERS
        for t in targets
        if _app(t) == "devidp"
    }
    assert not wrong


def test_the_apps_depend_on_each_other_without_cycles():
    """The app-level import graph is acyclic, so each app has a place in a layer order."""
    edges = defaultdict(set)
    for m, targets in GRAPH.items():
        for t in targets:
            if _app(m) != _app(t):
                edges[_app(m)].add(_app(t))
    cycles = []

    def visit(node, path):
        for nxt in edges[node]:
            if nxt in path:
                cycles.append(path[path.index(nxt) :] + [nxt])
            elif len(path) < 20:
                visit(nxt, path + [nxt])

    for app in list(edges):
        visit(app, [app])
    assert not cycles, f"import cycles between apps: {cycles[:5]}"


def test_time_is_read_through_the_one_clock():
    """``timezone.now()`` or ``datetime.now()`` outside core.clock would escape the tests' clock."""
    wrong = []
    for name, tree in MODULES.items():
        if name in OWN_CLOCK:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(
                ("timezone.now", "datetime.now", "datetime.utcnow", "datetime.today", "date.today")
            ):
                wrong.append(f"{name}:{node.lineno}")
    assert not wrong, f"read the time with ssoconsole.core.clock.now(): {wrong}"


def test_no_two_classes_share_a_name():
    owners = defaultdict(list)
    for name, tree in MODULES.items():
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name != "Command":
                owners[node.name].append(name)
    twice = {cls: mods for cls, mods in owners.items() if len(mods) > 1}
    assert not twice, f"one name, two things: {twice}"
