"""The one place where AADSTS refusals become HTTP responses.

The page imitates Entra's "Sorry, but we're having trouble signing you in",
with the troubleshooting details an administrator copies into a ticket:
Request Id (this HTTP request), Correlation Id (the whole sign-in attempt),
Timestamp and the AADSTS message. Each refusal also goes to the directory's
Sign-in logs and to the ``ssoconsole.devidp`` logger.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.template.response import TemplateResponse

from ssoconsole.devidp import signin_log
from ssoconsole.devidp.errors import AadstsError
from ssoconsole.devidp.response import saml_time

log = logging.getLogger("ssoconsole.devidp")


def render_error(
    request,
    error: AadstsError,
    *,
    directory,
    correlation_id: str,
    now: dt.datetime,
    app=None,
    user=None,
    issuer: str = "",
) -> TemplateResponse:
    """Render ``error`` on the Entra-like error page and record it in the Sign-in logs."""
    request_id = str(uuid.uuid4())
    signin_log.record(
        directory,
        now=now,
        request_id=request_id,
        correlation_id=correlation_id,
        app=app,
        user=user,
        issuer=issuer,
        error_code=error.code,
        message=error.message,
    )
    log.info(
        "dev IdP refused a sign-in: %s (request %s, correlation %s)",
        error,
        request_id,
        correlation_id,
    )
    response = TemplateResponse(
        request,
        "devidp/error.html",
        {
            "error": error,
            "directory": directory,
            "request_id": request_id,
            "correlation_id": correlation_id,
            "timestamp": saml_time(now),
        },
        status=error.status,
    )
    response["Cache-Control"] = "no-store"
    return response
