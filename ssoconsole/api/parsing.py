"""Strict parsing of JSON request bodies.

Python's ``json`` module accepts ``NaN``, ``Infinity`` and duplicate keys, and
django-ninja parses any body as JSON whatever its content type. This parser
refuses all of those, so that what a client sent is exactly what the
endpoint sees.
"""

from __future__ import annotations

import json

from ninja.parser import Parser

from ssoconsole.api.errors import (
    BodyNotObject,
    InvalidCharacter,
    MalformedJson,
    UnsupportedMediaType,
)

JSON_TYPES = ("application/json",)
_JSON_KINDS = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise MalformedJson(
                f"The key “{key}” appears twice in the same JSON object; send each field once.",
                details={"key": key},
            )
        obj[key] = value
    return obj


def _no_constants(name: str):
    raise MalformedJson(f"{name} is not valid JSON; send numbers as plain decimal literals.")


def check_text(value: str, where: str) -> None:
    """Refuse NUL characters and lone surrogates, which no database column can store.

    PostgreSQL rejects NUL in text and UTF-8 cannot encode a lone surrogate;
    refusing them here turns what would be a server error into a 400.
    """
    if "\x00" in value:
        raise InvalidCharacter(
            f"{where} contains a NUL character (\\u0000); remove it.",
            field=where,
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidCharacter(
            f"{where} contains an unpaired UTF-16 surrogate escape; send valid Unicode text.",
            field=where,
        ) from None


def _check_strings(data, path: str = "") -> None:
    if isinstance(data, str):
        check_text(data, path or "The request body")
    elif isinstance(data, dict):
        for key, value in data.items():
            check_text(key, "A field name")
            _check_strings(value, f"{path}.{key}" if path else key)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            _check_strings(value, f"{path}[{index}]")


class StrictJsonParser(Parser):
    """Parse ``application/json`` bodies that hold one JSON object, or raise a :class:`DomainError`.

    django-ninja wraps whatever this raises in its own ``HttpError`` with the
    original as ``__cause__``; the API's error handler unwraps it.
    """

    def parse_body(self, request):
        content_type = (request.content_type or "").lower()
        if content_type not in JSON_TYPES and not content_type.endswith("+json"):
            raise UnsupportedMediaType(
                f"Request bodies must be JSON; send the header Content-Type: application/json (got “{content_type or 'none'}”).",
                details={"contentType": content_type},
            )
        try:
            text = request.body.decode(request.encoding or "utf-8")
        except (UnicodeDecodeError, LookupError):
            raise MalformedJson(
                "The request body is not valid UTF-8 text; send JSON encoded as UTF-8."
            ) from None
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
        except json.JSONDecodeError as exc:
            raise MalformedJson(
                f"The request body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
                details={"line": exc.lineno, "column": exc.colno},
            ) from None
        except RecursionError:
            raise MalformedJson("The request body nests JSON too deeply; flatten it.") from None
        if not isinstance(data, dict):
            raise BodyNotObject(
                f"The request body must be a JSON object ({{...}}), not {_JSON_KINDS.get(type(data), 'that')}.",
            )
        _check_strings(data)
        return data
