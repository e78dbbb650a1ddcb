"""One log line and one metric sample per request, and the request id that ties them together.

The id comes from ``X-Request-ID`` when a proxy in front sent a sane one
(so that its logs and ours share it), else it is generated; it goes back in
the response's ``X-Request-ID`` and on the error pages. The line holds the
method, the path and query with the values that must never be logged (the
agent hand-off key, a typed username, SAML messages) replaced, the status, the duration, the client address, the tenant when the
URL or the signed-in user names one, and the id.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.utils.functional import SimpleLazyObject, empty

from ssoconsole.core.proxies import client_address
from ssoconsole.core.redaction import redact_target
from ssoconsole.ops import metrics
from ssoconsole.ops.logs import request_id_var

log = logging.getLogger("ssoconsole.request")

_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
MAX_LOGGED_PATH = 300


def current_request_id() -> str | None:
    return request_id_var.get()


def _request_id(request) -> str:
    given = (request.META.get("HTTP_X_REQUEST_ID") or "").strip()
    return given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex


def _logged_path(request) -> str:
    """The path and query with hand-off keys, typed usernames and SAML messages replaced (core.redaction)."""
    return redact_target(request.get_full_path())[:MAX_LOGGED_PATH]


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None or match.route is None:
        return "unmatched"
    return "/" + match.route


def _tenant(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is not None and "tenant_id" in match.kwargs:
        return str(match.kwargs["tenant_id"])[:64]
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject):
        user = user._wrapped  # only a user already loaded: the log line costs no query
        if user is empty:
            return None
    tenant_id = getattr(user, "tenant_id", None)
    return str(tenant_id) if tenant_id else None


class RequestLogMiddleware:
    """Outermost middleware: sets the request id, then logs and measures the finished request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _request_id(request)
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            seconds = time.perf_counter() - started
            route = _route(request)
            metrics.REQUEST_SECONDS.labels(route=route).observe(seconds)
            metrics.RESPONSES.labels(route=route, status=str(response.status_code)).inc()
            fields = {
                "method": request.method,
                "path": _logged_path(request),
                "route": route,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
                "client": client_address(request),
                "tenant": _tenant(request),
            }
            log.info(
                "%s %s %s %.1fms client=%s tenant=%s",
                fields["method"],
                fields["path"],
                fields["status"],
                fields["duration_ms"],
                fields["client"],
                fields["tenant"] or "-",
                extra={"fields": fields},
            )
            return response
        finally:
            request_id_var.reset(token)
