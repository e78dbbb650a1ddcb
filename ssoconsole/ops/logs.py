"""Log lines: one JSON object per line (``SSOCONSOLE_LOG_FORMAT=json``, the default) or plain text.

Every line written while a request is served carries that request's id, so
that the request log line, a security warning and a traceback of the same
request can be found together. Settings and ``ssoconsole serve`` (whose
gunicorn configures logging again in each process) both use
:func:`logging_config`, so the two never disagree.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str | None] = ContextVar("ssoconsole_request_id", default=None)

TEXT_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Add ``request_id`` (or ``-``) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get() or "-"
        return True


class JSONFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, request id and its fields."""

    def format(self, record: logging.LogRecord) -> str:
        body = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        request_id = getattr(record, "request_id", None)
        if request_id and request_id != "-":
            body["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            body.update(fields)
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, default=str, ensure_ascii=False)


def logging_config(log_format: str) -> dict:
    """Return the ``logging.config`` dictionary for ``json`` or ``text`` lines on stdout."""
    formatter = (
        {"()": "ssoconsole.ops.logs.JSONFormatter"}
        if log_format == "json"
        else {"format": TEXT_FORMAT}
    )
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
        "formatter": "main",
        # Every message is cut to ssoconsole.core.bounds.LOG_MESSAGE_MAX characters.
        "filters": ["request_id", "bounded"],
    }
    quiet = {"level": "INFO", "handlers": ["stdout"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "ssoconsole.ops.logs.RequestIdFilter"},
            "bounded": {"()": "ssoconsole.core.bounds.BoundedLogMessages"},
        },
        "formatters": {"main": formatter},
        "handlers": {"stdout": handler},
        "root": {"handlers": ["stdout"], "level": "INFO"},
        "loggers": {
            # Django logs 4xx as warnings with the path; the request log already has every request.
            "django.request": {"level": "ERROR"},
            "ssoconsole.security": {"level": "INFO"},
            "gunicorn.error": {**quiet, "qualname": "gunicorn.error"},
            # Off: its lines repeat the request log's, with the full query string (which may carry a
            # username or a SAML message); ssoconsole.request logs each request once, without it.
            "gunicorn.access": {**quiet, "level": "WARNING", "qualname": "gunicorn.access"},
        },
    }
