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

from ssoconsole.core.errors import DomainError

logger = logging.getLogger("ssoconsole.api")


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class InvalidToken(NotAuthenticated):
    code = "invalid_token"


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
