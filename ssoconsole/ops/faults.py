"""What a person gets when something outside the request fails: 503 for an unreachable database.

Django turns an exception that escapes a view or a middleware into a call of
``handler500`` (``ssoconsole.urls``), from inside the ``except`` block, so the
exception is still at hand here. A database error means the database is down
or restarting: the answer is 503 with ``Retry-After`` and a page (or, under
``/api/``, a JSON error) that says to try again in a moment, never a 500.
Django reconnects by itself on a later request (``CONN_HEALTH_CHECKS``).
Anything else is a bug: a 500 page that names the request id, so that the
log line with the traceback can be found.
"""

from __future__ import annotations

import json
import logging
import sys

from django.db import DatabaseError
from django.http import HttpResponse
from django.template import loader

from ssoconsole.ops.errors import RETRY_AFTER_SECONDS, DatabaseUnavailable
from ssoconsole.ops.request_log import current_request_id

log = logging.getLogger("ssoconsole.ops")


def is_database_outage(exc: BaseException | None) -> bool:
    """True for errors that mean the database cannot be reached or is restarting."""
    return isinstance(exc, DatabaseError)


def unavailable_response(request) -> HttpResponse:
    """Return the 503 for a database outage: JSON under ``/api/``, a readable page elsewhere."""
    request_id = current_request_id()
    if request is not None and request.path.startswith("/api/"):
        error = DatabaseUnavailable(
            details={"requestId": request_id, "retryAfterSeconds": RETRY_AFTER_SECONDS}
        )
        response = HttpResponse(
            json.dumps({"error": error.as_dict()}),
            status=error.status,
            content_type="application/json; charset=utf-8",
        )
    else:
        html = loader.get_template("ops/unavailable.html").render(
            {"request_id": request_id, "retry_after": RETRY_AFTER_SECONDS}
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error_for(request, exc: BaseException) -> HttpResponse:
    """The 503 for a database outage met inside a view that handles its own errors (the REST API)."""
    log.warning("database unavailable (%s); answered 503 with Retry-After", type(exc).__name__)
    return unavailable_response(request)


def server_error(request, *args, **kwargs) -> HttpResponse:
    """``handler500``: 503 for a database outage, otherwise the 500 page with the request id."""
    exc = sys.exc_info()[1]
    if is_database_outage(exc):
        log.warning("database unavailable (%s); answered 503 with Retry-After", type(exc).__name__)
        return unavailable_response(request)
    html = loader.get_template("500.html").render({"request_id": current_request_id()})
    return HttpResponse(html, status=500)
