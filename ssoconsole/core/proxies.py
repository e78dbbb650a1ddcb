"""The client's address and scheme, behind trusted reverse proxies or not.

A TLS-terminating proxy or load balancer connects to the console itself, so
``REMOTE_ADDR`` is the proxy's address. The proxy says who its client was in
``X-Forwarded-For`` (or RFC 7239 ``Forwarded``) and which scheme it spoke in
``X-Forwarded-Proto``; anybody can send those headers, so they are believed
only from a peer listed in ``SSOCONSOLE_TRUSTED_PROXIES``. The chain is then
walked from the right (the hop nearest to us) and stops at the first hop that
is not a trusted proxy: that hop is the client. Entries left of it were
written by the client and are never read.

Every use of an address (throttles, audit, the agent approval page) goes
through :func:`client_address`; :class:`ForwardedSchemeMiddleware` makes
``request.is_secure()`` (Secure cookies, HSTS, the https checks) follow the
same rule.
"""

from __future__ import annotations

import ipaddress
import re

from django.conf import settings

# A chain longer than this is not a real proxy path; the rest is ignored (a bound on the work per request).
MAX_HOPS = 20
_CACHE_ATTRIBUTE = "_ssoconsole_client"


def _parse_ip(value: str):
    """Return the address in one chain entry (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``, ``"[::1]"``), or None."""
    value = value.strip().strip('"')
    if value.startswith("["):
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # IPv4 with a port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None


def _trusted(ip, networks) -> bool:
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


_FORWARDED_PAIR = re.compile(r'\s*([A-Za-z]+)\s*=\s*("[^"]*"|[^;,\s]*)\s*')


def _forwarded_elements(header: str) -> list[dict[str, str]]:
    """Split an RFC 7239 ``Forwarded`` value into its elements' parameters (lower-case names)."""
    elements = []
    for element in header.split(",")[-MAX_HOPS:]:
        params = {}
        for pair in element.split(";"):
            match = _FORWARDED_PAIR.fullmatch(pair)
            if match:
                params[match.group(1).lower()] = match.group(2).strip('"')
        elements.append(params)
    return elements


def _hops(meta) -> list[tuple[str, str | None]]:
    """Return the forwarded chain, left (farthest) to right (nearest), as (address, proto) pairs."""
    forwarded = meta.get("HTTP_FORWARDED")
    if forwarded:
        return [(e.get("for", ""), e.get("proto")) for e in _forwarded_elements(forwarded)]
    chain = [h for h in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")[-MAX_HOPS:]]
    chain = [h.strip() for h in chain if h.strip()]
    protos = [p.strip() for p in (meta.get("HTTP_X_FORWARDED_PROTO") or "").split(",") if p.strip()]
    if len(protos) == len(chain):
        return list(zip(chain, protos, strict=True))
    # One proto for the whole chain (what nginx and most balancers send): it describes the hop facing the client.
    return [(h, protos[-1] if protos else None) for h in chain]


def resolve(meta, networks) -> tuple[str | None, str | None]:
    """Return (client address, forwarded scheme or None) for a request's ``META`` and the trusted ``networks``."""
    peer = meta.get("REMOTE_ADDR") or None
    if not networks or not _trusted(_parse_ip(peer or ""), networks):
        return peer, None
    client, scheme = peer, None
    for value, proto in reversed(_hops(meta)):
        ip = _parse_ip(value)
        if ip is None:
            break  # not an address ("unknown", junk): the last trusted hop is as far as we can see
        client, scheme = str(ip), proto
        if not _trusted(ip, networks):
            break
    if scheme is not None:
        scheme = scheme.strip().lower()
        scheme = scheme if scheme in ("http", "https") else None
    return client, scheme


def _resolved(request) -> tuple[str | None, str | None]:
    cached = getattr(request, _CACHE_ATTRIBUTE, None)
    if cached is None:
        networks = getattr(settings, "SSOCONSOLE_TRUSTED_PROXIES", ())
        cached = resolve(request.META, networks)
        try:
            setattr(request, _CACHE_ATTRIBUTE, cached)
        except AttributeError:  # not a request object (a bare stand-in in a test)
            pass
    return cached


def client_address(request) -> str | None:
    """Return the address of the client: the peer, or what trusted proxies say the peer's client was."""
    return _resolved(request)[0]


def forwarded_scheme(request) -> str | None:
    """Return ``http`` or ``https`` as a trusted proxy reports it, or None when no trusted proxy says."""
    return _resolved(request)[1]


class ForwardedSchemeMiddleware:
    """Make ``request.is_secure()`` true when a trusted proxy received the request over https.

    Goes first in ``MIDDLEWARE``, so that SecurityMiddleware (HSTS) and the CSRF
    check see the scheme the browser used.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scheme = forwarded_scheme(request)
        if scheme is not None:
            request.META["wsgi.url_scheme"] = scheme
        return self.get_response(request)
