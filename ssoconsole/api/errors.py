"""The REST API's errors, and the one place that turns any failure into a JSON response.

Services raise :class:`~ssoconsole.core.errors.DomainError` subclasses; the
edge of the API (parsing, authentication, routing) raises the few classes
below. :func:`error_response` is the only function that renders an error, so
every failure has the same shape::

    {"error": {"code": "...", "message": "...", "field": "...", "details": {...}}}
"""

from __future__ import annotations

import json
import logging

from django.http import HttpResponse

from ssoconsole.core.errors import (  # noqa: F401 - the API's authentication errors live in core
    DomainError,
    InvalidToken,
    NotAuthenticated,
    ValidationFailed,
)

logger = logging.getLogger("ssoconsole.api")


class CsrfFailed(DomainError):
    status = 403
    code = "csrf_failed"


class MalformedJson(DomainError):
    status = 400
    code = "malformed_json"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class MethodNotAllowed(DomainError):
    status = 405
    code = "method_not_allowed"


class InternalError(DomainError):
    status = 500
    code = "internal_error"


class InvalidCharacter(MalformedJson):
    """A string holds NUL or an unpaired UTF-16 surrogate, which no database column can store."""

    code = "invalid_character"


class BodyNotObject(MalformedJson):
    """The request body is JSON but not an object."""

    code = "body_not_object"


class BodyRequired(ValidationFailed):
    """The endpoint needs a JSON object in the request body and none was sent."""

    code = "body_required"


class UnknownParameter(ValidationFailed):
    """A query parameter the endpoint does not take."""

    code = "unknown_parameter"


class UnknownField(ValidationFailed):
    """A body field the endpoint does not take."""

    code = "unknown_field"


class TooShort(ValidationFailed):
    """A text or list is shorter than its minimum."""

    code = "too_short"


class InvalidRange(ValidationFailed):
    """A range's start is not before its end."""

    code = "invalid_range"


class HttpRefused(DomainError):
    """A refusal of the web framework that has no more specific code; ``status`` is its own."""

    code = "http_error"

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        # The framework chose the status (a 4xx); the class's 400 is only the default.
        self.status = status if 400 <= status < 500 else 400


def error_response(error: DomainError) -> HttpResponse:
    """Render ``error`` as the API's JSON error body with its HTTP status."""
    response = HttpResponse(
        json.dumps({"error": error.as_dict()}),
        status=error.status,
        content_type="application/json; charset=utf-8",
    )
    if error.status == 401:
        # RFC 6750 section 3: tell the client which scheme to use, and why a token failed.
        challenge = 'Bearer realm="ssoconsole"'
        if isinstance(error, InvalidToken):
            challenge += ', error="invalid_token"'
        response["WWW-Authenticate"] = challenge
    return response


def internal_error(exc: BaseException) -> HttpResponse:
    """Log a genuine bug with its traceback and answer with a JSON 500 that leaks nothing."""
    logger.error("Unhandled error in the REST API", exc_info=(type(exc), exc, exc.__traceback__))
    return error_response(
        InternalError(
            "Something went wrong on the server; nothing was changed. Try again, and report it if it persists.",
        )
    )
