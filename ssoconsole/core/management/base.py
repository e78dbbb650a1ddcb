"""What every ssoconsole management command shares: readable errors, no tracebacks.

Expected failures (a domain rule, a missing tenant, an unreachable or
unmigrated database) become :class:`Error`, which Django prints as
``Error: <what happened and what to do>`` and turns into exit status 1.
Usage errors stay with argparse, which exits with status 2.
"""

from __future__ import annotations

import argparse
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ssoconsole.core.errors import DomainError


class Error(CommandError):
    """An expected failure of a command; its class name is what the user sees before the message."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=1)


def uuid_argument(what: str):
    """Return an argparse type that accepts an id (UUID) and names ``what`` in its error."""

    def parse(value: str) -> UUID:
        try:
            return UUID(value.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{value!r} is not {what} id; ids look like 0b5c1e6a-6d2f-4c1e-9d1a-3f2e8c7b9a10"
            ) from None

    return parse


class CliCommand(BaseCommand):
    """Base of the CLI's commands; subclasses may map error codes to a next step in ``hints``."""

    # The commands touch the database only; skip the full system check for a quick CLI.
    requires_system_checks: list = []
    hints: dict[str, str] = {}

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except DomainError as exc:
            hint = self.hints.get(exc.code, "")
            raise Error(f"{exc.message} {hint}".strip()) from None
        except DatabaseError as exc:
            first_line = (
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            )
            raise Error(
                f"The database is not ready ({first_line}). Run `ssoconsole migrate` first, "
                "and check that DATABASE_URL points at a reachable database."
            ) from None
