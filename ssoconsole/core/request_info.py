"""Facts about the client of a request, read in one place."""

from __future__ import annotations

from ssoconsole.core.bounds import USER_AGENT_MAX
from ssoconsole.core.proxies import client_address


def client_ip(request) -> str | None:
    """Return the client's address: the peer, or behind a trusted proxy the client it forwarded for.

    Only proxies listed in ``SSOCONSOLE_TRUSTED_PROXIES`` are believed
    (:mod:`ssoconsole.core.proxies`); a forged ``X-Forwarded-For`` from anyone
    else is ignored.
    """
    return client_address(request)


def user_agent(request) -> str:
    return (request.META.get("HTTP_USER_AGENT") or "")[:USER_AGENT_MAX]
