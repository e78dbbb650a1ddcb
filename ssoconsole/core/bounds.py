"""Caps on text that an identity provider or a client controls, before it is stored or logged.

An unsigned SAML error response is anonymous input: once, a 507 KB
``StatusMessage`` became 761 KB of audit data, a 381 KB log line and a wall of
text on the provider's "recent failures". Every such value is cut to a
documented length here (docs/security.md, "Bounded fields"); the cut says
how much was left out, so nobody mistakes a shortened value for the whole.

Pure Python: the SAML core, the audit log and the logging filter share it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

# One string in audit data (a StatusMessage, an attribute value, an Issuer).
TEXT_MAX = 1024
# Items kept of one list or object in audit data (attribute names, audiences).
ITEMS_MAX = 50
# Nesting kept in audit data; deeper values become a short marker.
DEPTH_MAX = 6
# The whole ``data`` of one audit event, serialized as JSON.
AUDIT_DATA_MAX = 16 * 1024
# One log line, after the formatter's prefix.
LOG_MESSAGE_MAX = 4096
# A user agent, as stored in the audit log and the agent/session lists.
USER_AGENT_MAX = 300


def bound_text(value: str, limit: int = TEXT_MAX) -> str:
    """Return ``value`` cut to ``limit`` characters, saying how many were left out."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}… [{len(value) - limit} more characters not kept]"


def bound_data(value: Any, *, depth: int = 0) -> Any:
    """Return a copy of a JSON-like ``value`` whose strings, lists and nesting are bounded."""
    if isinstance(value, str):
        return bound_text(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if depth >= DEPTH_MAX:
        return "[nested too deeply; not kept]"
    if isinstance(value, Mapping):
        items = list(value.items())
        kept = {
            bound_text(str(k), 128): bound_data(v, depth=depth + 1) for k, v in items[:ITEMS_MAX]
        }
        if len(items) > ITEMS_MAX:
            kept["…"] = f"{len(items) - ITEMS_MAX} more entries not kept"
        return kept
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        kept = [bound_data(v, depth=depth + 1) for v in items[:ITEMS_MAX]]
        if len(items) > ITEMS_MAX:
            kept.append(f"… {len(items) - ITEMS_MAX} more items not kept")
        return kept
    return bound_text(str(value))


def bound_audit_data(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return audit ``data`` bounded field by field and, as a whole, to :data:`AUDIT_DATA_MAX` bytes.

    Past the total, the longest string values are cut further (to 256
    characters) so that the codes, ids and short values survive intact.
    """
    kept = bound_data(dict(data or {}))
    if _size(kept) <= AUDIT_DATA_MAX:
        return kept
    kept = _shorten_strings(kept, 256)
    if _size(kept) <= AUDIT_DATA_MAX:
        return kept
    return {
        "truncated": f"the event's details were larger than {AUDIT_DATA_MAX} bytes and not kept",
        "keys": [bound_text(str(k), 64) for k in list(kept)[:ITEMS_MAX]],
    }


def _shorten_strings(value: Any, limit: int) -> Any:
    if isinstance(value, str):
        return bound_text(value, limit)
    if isinstance(value, dict):
        return {k: _shorten_strings(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten_strings(v, limit) for v in value]
    return value


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str).encode())


class BoundedLogMessages(logging.Filter):
    """Cut every log record's message to :data:`LOG_MESSAGE_MAX` characters (installed on the handlers).

    Log lines quote values from posted XML and request headers; whatever a
    module forgot to cap, one request still writes at most this much.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if len(message) > LOG_MESSAGE_MAX:
            record.msg = bound_text(message, LOG_MESSAGE_MAX)
            record.args = None
        return True
