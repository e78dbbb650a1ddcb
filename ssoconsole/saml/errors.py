"""Every reason the SAML core refuses something, one class per reason.

The classes are the contract between the core and the application: the
application maps them to HTTP responses, audit events and console messages in
exactly one place, using ``code`` (stable, documented, safe to show), the
``user_message`` (for the person signing in, never containing secrets or
attacker-controlled text) and ``admin_message()`` (for the administrator, with
the values that differed and what to change, in the identity provider's words
where that helps).

Add a new class for a new reason instead of reusing one with another message:
codes are what administrators search the troubleshooting guide for.
"""

from __future__ import annotations

from typing import Any, ClassVar


class SAMLError(Exception):
    """Base class of every refusal raised by ``ssoconsole.saml``.

    ``expected`` and ``actual`` carry the values an administrator compares;
    ``context`` carries any further named values (for example the clock
    difference in seconds). None of them may hold key material.
    """

    code: ClassVar[str] = "saml.error"
    user_message: ClassVar[str] = (
        "Single sign-on failed. Start again from the login page; if it keeps "
        "failing, tell your administrator."
    )
    admin_hint: ClassVar[str] = "See the troubleshooting guide for this error code."

    def __init__(
        self,
        detail: str | None = None,
        *,
        expected: Any = None,
        actual: Any = None,
        **context: Any,
    ) -> None:
        self.detail = detail
        self.expected = expected
        self.actual = actual
        self.context = context
        super().__init__(self.admin_message())

    def admin_message(self) -> str:
        """Return the sentence for the administrator: what differed and what to change."""
        parts = [self.detail or self.__class__.__doc__.strip().splitlines()[0]]
        if self.expected is not None or self.actual is not None:
            parts.append(f"Expected: {self.expected!r}; received: {self.actual!r}.")
        if self.admin_hint:
            parts.append(self.admin_hint)
        return " ".join(p.rstrip() for p in parts if p)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly description for audit events and API errors."""
        return {
            "code": self.code,
            "userMessage": self.user_message,
            "adminMessage": self.admin_message(),
            "expected": _jsonable(self.expected),
            "actual": _jsonable(self.actual),
            **{k: _jsonable(v) for k, v in self.context.items()},
        }


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return str(value)
