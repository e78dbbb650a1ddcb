"""Read a domain's verification TXT record with dnspython, bounded in time and in size.

The record lives at ``_ssoconsole.<domain>`` (a name of its own, so that the
apex's TXT records, SPF among them, stay untouched and a proof for one
product never reads another's) and holds ``ssoconsole-verification=<token>``.
The servers asked are ``SSOCONSOLE_DNS_NAMESERVERS`` when set (operators
pointing at an internal resolver, tests at a loopback server), else the
system's; one lookup takes at most ``SSOCONSOLE_DNS_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

from dataclasses import dataclass

import dns.exception
import dns.nameserver
import dns.resolver
from django.conf import settings

RECORD_PREFIX = "_ssoconsole"
VALUE_PREFIX = "ssoconsole-verification="
# A zone may publish many TXT strings; only this many, each cut to this length, are read.
MAX_STRINGS = 50
MAX_STRING_LENGTH = 255


def record_name(domain: str) -> str:
    """Return the DNS name that carries ``domain``'s proof."""
    return f"{RECORD_PREFIX}.{domain}"


def record_value(token: str) -> str:
    """Return the TXT string that proves ownership for ``token``."""
    return f"{VALUE_PREFIX}{token}"


@dataclass(frozen=True)
class Lookup:
    """What the DNS answered: ``found`` the TXT strings (bounded), or ``error`` in words."""

    found: tuple[str, ...] = ()
    missing: bool = False
    error: str = ""


def _resolver() -> dns.resolver.Resolver:
    servers = tuple(getattr(settings, "SSOCONSOLE_DNS_NAMESERVERS", ()))
    timeout = float(getattr(settings, "SSOCONSOLE_DNS_TIMEOUT_SECONDS", 5.0))
    resolver = dns.resolver.Resolver(configure=not servers)
    if servers:
        resolver.nameservers = [dns.nameserver.Do53Nameserver(h, port) for h, port in servers]
    resolver.timeout = timeout
    resolver.lifetime = timeout
    resolver.cache = None
    return resolver


def lookup_txt(name: str) -> Lookup:
    """Return the TXT strings at ``name``; never raises for what the DNS answers."""
    try:
        answer = _resolver().resolve(name, "TXT", raise_on_no_answer=False, search=False)
    except dns.resolver.NXDOMAIN:
        return Lookup(missing=True)
    except dns.resolver.NoNameservers:
        return Lookup(error="every DNS server answered with an error (SERVFAIL or REFUSED)")
    except dns.exception.Timeout:
        return Lookup(error="no DNS server answered in time")
    except dns.exception.DNSException as exc:
        return Lookup(error=f"the DNS lookup failed ({type(exc).__name__})")
    strings: list[str] = []
    for rdata in answer.rrset or ():
        text = b"".join(rdata.strings)[:MAX_STRING_LENGTH]
        strings.append(text.decode("ascii", "replace"))
        if len(strings) >= MAX_STRINGS:
            break
    return Lookup(found=tuple(strings), missing=not strings)
