"""One error model: every code is defined once, in its package's registry, with a sane status.

Every error the product shows is a ``DomainError`` (ssoconsole/core/errors.py)
and each package defines its codes in one module, ``ssoconsole/<package>/errors.py``.
These tests read the registries themselves (no scan of the source text): a
code defined twice, an error class with a code outside its package's
registry, or a status that blames the server for anything but an outage
fails here. docs/troubleshooting.md's coverage is pinned in
tests/docs/test_troubleshooting.py.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

import ssoconsole
from ssoconsole.core.errors import ALLOWED_SERVER_STATUS, PACKAGES, DomainError, registry

# The answers to a bug (an unhandled exception), not refusals: the one 500 each protocol sends.
BUG_ANSWERS = {"internal_error", "scim.internal_error"}
# RFC 7644 section 3.12 names 501 for a SCIM feature the service provider does not implement.
PROTOCOL_STATUSES = {"scim.not_implemented": 501}


def _import_the_product() -> None:
    """Import every production module, so that every error class is defined (the dev IdP aside)."""
    for info in pkgutil.walk_packages(ssoconsole.__path__, "ssoconsole."):
        if ".migrations" in info.name or info.name.startswith("ssoconsole.devidp"):
            continue
        importlib.import_module(info.name)


def _all_classes() -> list[type[DomainError]]:
    found, todo = [], [DomainError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return list(dict.fromkeys(found))


def test_no_code_is_defined_twice():
    """Two classes with one code would give one code two meanings (or two statuses)."""
    _import_the_product()
    owners = defaultdict(list)
    for cls in _all_classes():
        if "code" in vars(cls):
            owners[cls.code].append(f"{cls.__module__}.{cls.__qualname__}")
    twice = {code: names for code, names in owners.items() if len(names) > 1}
    assert not twice, f"codes defined more than once: {twice}"


def test_every_code_is_defined_in_its_packages_registry():
    """A class that defines a code lives in ``ssoconsole/<package>/errors.py``, for a listed package."""
    _import_the_product()
    registries = {f"ssoconsole.{package}.errors" for package in PACKAGES}
    elsewhere = sorted(
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in _all_classes()
        if "code" in vars(cls)
        and cls.__module__.startswith("ssoconsole.")
        and not cls.__module__.startswith("ssoconsole.devidp")
        and cls.__module__ not in registries
    )
    assert not elsewhere, f"move these into their package's errors module: {elsewhere}"


def test_the_registries_hold_every_code_the_product_defines():
    """The registries, read as the docs test reads them, see every class's code."""
    _import_the_product()
    defined = {
        cls.code
        for cls in _all_classes()
        if "code" in vars(cls) and not cls.__module__.startswith("ssoconsole.devidp")
    }
    in_registries = {code for package in PACKAGES for code in registry(package)}
    assert defined == in_registries


def test_no_code_answers_a_server_error_other_than_503():
    """5xx is 503 only, kept for outages (database, cache, a lost secret key); the rest is 4xx."""
    wrong = {
        code: cls.status
        for package in PACKAGES
        for code, cls in registry(package).items()
        if cls.status >= 500
        and cls.status != ALLOWED_SERVER_STATUS
        and code not in BUG_ANSWERS
        and PROTOCOL_STATUSES.get(code) != cls.status
    }
    assert not wrong, f"codes with a 5xx status other than 503: {wrong}"
    assert all(400 <= cls.status < 600 for p in PACKAGES for cls in registry(p).values())
