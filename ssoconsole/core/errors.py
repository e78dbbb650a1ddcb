"""The one error model of the product: every refusal, from the SAML core to the REST API.

Every error the product can show is a subclass of :class:`DomainError`, and
each class carries, once:

* ``code``: stable, documented in docs/troubleshooting.md, safe to show; what
  administrators search for and scripts branch on;
* ``status``: the HTTP status a web layer answers with (never a 5xx other than
  503, which is kept for outages of the database or cache);
* the sentence for the person who asked (``message``, or the class's
  ``user_message`` when an instance gives none), which says what happened and
  what to do and never holds a secret or attacker-controlled text;
* the administrator's hint (``admin_hint``, and ``admin_message()`` which adds
  the instance's ``detail`` and the ``expected``/``actual`` values that differed);
* ``field``: the input the error is about, when there is one.

Each package defines its codes in exactly one module, its registry
(``ssoconsole/<package>/errors.py``); :func:`registry` reads them and
tests/docs/test_error_registry.py holds every registry to the rules above.
This module imports nothing but the standard library, because the SAML core
(``ssoconsole.saml``, free of Django) builds its errors on it too.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

# Statuses the web layers may answer with for an error; 5xx is 503 only.
ALLOWED_SERVER_STATUS = 503


class DomainError(Exception):
    """Base class of every error the product shows (see the module docstring)."""

    code: ClassVar[str] = "invalid_request"
    status: ClassVar[int] = 400
    user_message: ClassVar[str] = "The request was refused."
    admin_hint: ClassVar[str] = ""
    # What is expected, in words, for errors raised with an ``actual`` value but no single
    # ``expected`` one (a rule rather than a value, e.g. "a SHA-256 or stronger method").
    expected_in_words: ClassVar[str] = ""

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        detail: str | None = None,
        expected: Any = None,
        actual: Any = None,
        details: dict[str, Any] | None = None,
        **context: Any,
    ) -> None:
        self.message = message or self.user_message
        self.field = field
        self.detail = detail
        self.expected = expected
        self.actual = actual
        self.details = details or {}
        self.context = context
        super().__init__(self.message)

    def admin_message(self) -> str:
        """Return the sentence for the administrator: what differed and what to change."""
        parts = [self.detail or (self.__class__.__doc__ or "").strip().splitlines()[0]]
        if self.expected is not None or self.actual is not None:
            parts.append(
                f"Expected: {self.expected_text()}; received: {describe_value(self.actual)}."
            )
        if self.admin_hint:
            parts.append(self.admin_hint)
        return " ".join(p.rstrip() for p in parts if p)

    def expected_text(self) -> str:
        """Return what was expected in words: the expected value, else the class's rule."""
        if self.expected is None and self.expected_in_words:
            return self.expected_in_words
        return describe_value(self.expected)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON body of this error as the REST API shows it."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class Refusal(DomainError):
    """A refused sign-in: the person gets the class's fixed sentence, the admin the details.

    The SAML core's errors and the sso app's sign-in refusals are refusals:
    the person signing in is shown ``user_message`` only (the message they
    sent is attacker-controlled and never echoed), and the first argument is
    the administrator's ``detail``. ``expected``, ``actual`` and ``context``
    carry the values an administrator compares; none may hold key material.
    """

    code: ClassVar[str] = "refused"
    user_message: ClassVar[str] = "Sign-in failed. Start again from the login page."

    def __init__(
        self, detail: str | None = None, *, expected: Any = None, actual: Any = None, **context: Any
    ) -> None:
        super().__init__(None, detail=detail, expected=expected, actual=actual, **context)
        # Exception.args carries the admin sentence, so that str(error) is useful in a log.
        self.args = (self.admin_message(),)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly description for audit events and the refusal page."""
        return {
            "code": self.code,
            "userMessage": self.user_message,
            "adminMessage": self.admin_message(),
            "expected": _jsonable(self.expected),
            "actual": _jsonable(self.actual),
            **{k: _jsonable(v) for k, v in self.context.items()},
        }


def describe_value(value: Any) -> str:
    """Write a compared value into a sentence: words and plain values, never Python syntax.

    Administrators read these messages; ``['A']`` or ``None`` is program
    output, not an answer. Text is quoted so that an empty or spaced value
    stays visible; a list reads "one of “A”, “B”".
    """
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [describe_value(v) for v in value]
        if not items:
            return "none"
        return items[0] if len(items) == 1 else "one of " + ", ".join(items)
    if isinstance(value, str):
        return f"“{value}”"
    return str(value)


def _jsonable(value: Any) -> Any:
    """Return ``value`` as JSON can store it (other objects as their text)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return str(value)


# --- The registry of this package: codes every layer uses ----------------------------------------


class ValidationFailed(DomainError):
    """Input does not satisfy a rule; ``field`` names the culprit when there is one."""

    code = "validation_failed"


class InvalidType(ValidationFailed):
    """A field has the wrong JSON type (text, number, true/false, list)."""

    code = "invalid_type"


class FieldRequired(ValidationFailed):
    """A required field is missing or empty."""

    code = "field_required"


class TooLong(ValidationFailed):
    """A text field is longer than its limit."""

    code = "too_long"


class InvalidId(ValidationFailed):
    """An id field does not hold a UUID."""

    code = "invalid_id"


class InvalidChoice(ValidationFailed):
    """A value is not one of the documented choices."""

    code = "invalid_choice"


class OutOfRange(ValidationFailed):
    """A number or date is outside the accepted range."""

    code = "out_of_range"


class TextControlCharacter(ValidationFailed):
    """A display text holds a control or text-direction character."""

    code = "text_control_character"


class NotAuthenticated(DomainError):
    """The request carries no credentials (the REST API adds a ``WWW-Authenticate`` challenge)."""

    status = 401
    code = "not_authenticated"


class InvalidToken(NotAuthenticated):
    """A bearer token that does not (or no longer) authenticate anyone."""

    code = "invalid_token"


class NotFound(DomainError):
    """Nothing with this id exists in the caller's tenant."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The change conflicts with the current state."""

    status = 409
    code = "conflict"


class Forbidden(DomainError):
    """The caller's roles do not allow this."""

    status = 403
    code = "forbidden"


# --- Reading the registries ---------------------------------------------------------------------

#: Every package that defines error codes, each in its ``errors`` module.
PACKAGES = ("core", "saml", "tenancy", "accounts", "sso", "agents", "scim", "api", "ops")


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def defined_here(module_name: str) -> list[type[DomainError]]:
    """Return the error classes that ``module_name`` defines with their own ``code``."""
    importlib.import_module(module_name)
    return [
        cls
        for cls in dict.fromkeys(_subclasses(DomainError))
        if cls.__module__ == module_name and "code" in vars(cls)
    ] + ([DomainError] if module_name == __name__ else [])


def registry(package: str) -> dict[str, type[DomainError]]:
    """Return ``{code: class}`` of the package's registry, ``ssoconsole.<package>.errors``."""
    return {cls.code: cls for cls in defined_here(f"ssoconsole.{package}.errors")}
