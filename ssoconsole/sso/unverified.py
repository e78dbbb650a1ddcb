"""Read a few values from a posted response BEFORE (or without) its signature check, for diagnostics only.

Everything returned here MUST NOT be trusted: anyone can post any XML to the
assertion consumer service. The values are used for exactly two things, both
of which only inform a human: attributing a refused, unsolicited response to
the provider whose entity ID it claims (so that it shows up on that
provider's "recent sign-in failures"), and the provider test's clock
comparison when validation failed. No sign-in decision reads them.
"""

from __future__ import annotations

import binascii
from datetime import UTC, datetime

from ssoconsole.saml.errors import SAMLError
from ssoconsole.saml.xml import NS, parse_untrusted

_MAX_BYTES = 512 * 1024


def peek(saml_response: str | None) -> dict[str, str]:
    """Return the Response's unverified Issuer, IssueInstant, InResponseTo and status; ``{}`` when unreadable."""
    if not saml_response or len(saml_response) > _MAX_BYTES * 4 // 3 + 1024:
        return {}
    try:
        raw = binascii.a2b_base64(saml_response.encode("ascii"))
        root = parse_untrusted(raw, max_bytes=_MAX_BYTES)
    except (ValueError, SAMLError):
        return {}
    found: dict[str, str] = {}
    for name in ("IssueInstant", "InResponseTo", "Destination"):
        if root.get(name):
            found[name] = root.get(name)[:200]
    issuer = root.find(f"{{{NS['saml']}}}Issuer")
    if issuer is None:
        issuer = root.find(f".//{{{NS['saml']}}}Assertion/{{{NS['saml']}}}Issuer")
    if issuer is not None and issuer.text:
        found["Issuer"] = issuer.text.strip()[:1024]
    status = root.find(f"{{{NS['samlp']}}}Status/{{{NS['samlp']}}}StatusCode")
    if status is not None and status.get("Value"):
        found["StatusCode"] = status.get("Value")[:200]
    return found


def clock_difference(issue_instant: str | None, now: datetime) -> float | None:
    """Return server time minus the IdP's IssueInstant in seconds (positive: the IdP's clock is behind)."""
    if not issue_instant:
        return None
    try:
        moment = datetime.fromisoformat(issue_instant.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round((now - moment).total_seconds(), 3)
