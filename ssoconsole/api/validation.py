"""Turn django-ninja's input validation errors into the API's stable error codes.

Pydantic reports every problem with a type and a location; clients need one
code they can branch on, the field in the API's own (camelCase) spelling, and
a sentence that says what to send instead. All problems are listed in
``details.errors``; the first one names the error.
"""

from __future__ import annotations

from typing import Any

from ssoconsole.api.errors import (
    BodyRequired,
    TooShort,
    UnknownField,
    UnknownParameter,
)
from ssoconsole.core.errors import (
    DomainError,
    FieldRequired,
    InvalidChoice,
    InvalidType,
    NotFound,
    OutOfRange,
    TooLong,
    ValidationFailed,
)

_TYPE_NAMES = {
    "string_type": "text",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "uuid_type": "an id (UUID)",
    "uuid_parsing": "an id (UUID)",
    "datetime_type": "a date-time (ISO 8601)",
    "datetime_parsing": "a date-time (ISO 8601)",
    "datetime_from_date_parsing": "a date-time (ISO 8601)",
    "none_required": "null",
}


def field_path(loc: tuple) -> str:
    """Return ``roles[0]`` or ``effectiveSso.mode`` for a pydantic location, without ninja's wrappers."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _strip_wrapper(loc: tuple) -> tuple[str, tuple]:
    """Split ninja's ``("body", "payload", ...)`` location into the source and the field path."""
    source = str(loc[0]) if loc else "body"
    rest = tuple(loc[1:])
    if source == "body" and rest:
        rest = rest[1:]  # the view argument's name, which clients never see
    return source, rest


def describe(error: dict[str, Any]) -> tuple[type[ValidationFailed], str, str]:
    """Return (error class, field, message) for one pydantic error dict."""
    source, path = _strip_wrapper(tuple(error.get("loc", ())))
    field = field_path(path)
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    label = f"“{field}”" if field else "The request body"
    if kind == "extra_forbidden":
        where = "query parameter" if source == "query" else "field"
        return (
            UnknownParameter if source == "query" else UnknownField,
            field,
            f"Unknown {where} “{field}”; remove it or check its spelling (names are camelCase).",
        )
    if kind == "missing":
        if not field:
            return BodyRequired, "", "Send a JSON object in the request body."
        return FieldRequired, field, f"{label} is required."
    if kind == "string_too_long":
        return TooLong, field, f"{label} is at most {ctx.get('max_length')} characters long."
    if kind == "string_too_short":
        return (
            TooShort,
            field,
            f"{label} must be at least {ctx.get('min_length')} characters long.",
        )
    if kind in (TooLong, TooShort):
        return (
            kind,
            field,
            f"{label} must have between {ctx.get('min_length', 0)} and {ctx.get('max_length')} items.",
        )
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return OutOfRange, field, f"{label} is out of range: {error.get('msg', '').lower()}."
    if kind in ("enum", "literal_error"):
        return (
            InvalidChoice,
            field,
            f"{label} must be {ctx.get('expected', 'one of the documented values')}.",
        )
    if kind in _TYPE_NAMES:
        return InvalidType, field, f"{label} must be {_TYPE_NAMES[kind]}."
    return (
        ValidationFailed,
        field,
        f"{label} is not valid: {error.get('msg', 'check the documented format')}.",
    )


def translate(errors: list[dict[str, Any]]) -> DomainError:
    """Return the :class:`DomainError` that stands for ninja's validation ``errors``."""
    described = [describe(e) for e in errors] or [
        (ValidationFailed, "", "The request is not valid.")
    ]
    error_class, field, message = described[0]
    details = (
        {"errors": [{"code": c.code, "field": f, "message": m} for c, f, m in described]}
        if len(described) > 1
        else None
    )
    source = str(errors[0].get("loc", ("body",))[0]) if errors else "body"
    if source == "path":
        # A malformed id in the URL names nothing that exists, like an id of another tenant.
        return NotFound("Nothing with this id exists in your tenant.")
    return error_class(message, field=field or None, details=details)
