"""Facts about the client of a request, read in one place."""

from __future__ import annotations

from ssoconsole.core.bounds import USER_AGENT_MAX


def client_ip(request) -> str | None:
    """Return the client's address.

    Only ``REMOTE_ADDR`` is trusted: a deployment behind a proxy must have the
    proxy set it (gunicorn's ``--forwarded-allow-ips``), since any client can
    forge ``X-Forwarded-For``.
    """
    return request.META.get("REMOTE_ADDR") or None


def user_agent(request) -> str:
    return (request.META.get("HTTP_USER_AGENT") or "")[:USER_AGENT_MAX]
