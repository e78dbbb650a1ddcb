"""Take secrets and typed usernames out of a request target before it reaches an access log.

Three things travel in URLs: the agent hand-off key (the path of the
approval page, ``/agents/authorize/<key>``), the username a person typed
(``/login?username=``, the sign-in start a link can carry) and SAML
messages in the HTTP-Redirect binding. An access log is read by more people
than the audit log, and kept longer: none of them may be written there.
The method, the path's shape and the parameter names stay, so the log still
says what happened.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

REDACTED = "[redacted]"
# Query parameters whose values are never logged.
SECRET_PARAMETERS = frozenset(
    {
        "username",
        "samlrequest",
        "samlresponse",
        "relaystate",
        "signature",
        "key",
        "token",
        "code",
        "user_code",
        "usercode",
        "pollsecret",
        "password",
    }
)
_SECRET_PATHS = (re.compile(r"^(/agents/authorize/)[^/?#]+"),)


def redact_path(path: str) -> str:
    for pattern in _SECRET_PATHS:
        path = pattern.sub(lambda m: m.group(1) + REDACTED, path)
    return path


def redact_query(query: str) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode(
        [(k, REDACTED if k.lower() in SECRET_PARAMETERS else v) for k, v in pairs], safe="[]"
    )


def redact_target(target: str) -> str:
    """Return a request target (``/path?query``, or an absolute URL such as a Referer) without secrets."""
    if not target or target == "-":
        return target
    prefix = ""
    match = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*", target)
    if match:
        prefix, target = match.group(0), target[match.end() :]
    path, sep, query = target.partition("?")
    query, _, _fragment = query.partition("#")
    return prefix + redact_path(path) + (sep + redact_query(query) if sep else "")
