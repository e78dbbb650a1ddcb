"""A small DNS server on loopback (dnslib) that answers the TXT records a test publishes.

Domain verification looks up ``_ssoconsole.<domain>`` with dnspython; tests
point ``SSOCONSOLE_DNS_NAMESERVERS`` at this server so that no lookup ever
leaves the machine. Names without a record get NXDOMAIN; a name published
with :meth:`LoopbackDns.fail` gets SERVFAIL.
"""

from __future__ import annotations

import threading

from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import DNSLogger, DNSServer


class _Records:
    """The zone: ``{name: [TXT strings]}``, read by the server thread, written by the test."""

    def __init__(self) -> None:
        self.txt: dict[str, list[str]] = {}
        self.failing: set[str] = set()
        self.lock = threading.Lock()

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        with self.lock:
            failing, strings = name in self.failing, list(self.txt.get(name, ()))
        if failing:
            reply.header.rcode = RCODE.SERVFAIL
        elif not strings:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            for value in strings:
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=1))
        return reply


# The server the session started (tests/django_fixtures.py), for helpers that get no fixture.
current: LoopbackDns | None = None


class LoopbackDns:
    """Start with :meth:`start`, stop with :meth:`stop`; ``nameservers`` is the settings value."""

    def __init__(self) -> None:
        self.records = _Records()
        self.server = DNSServer(
            self.records,
            address="127.0.0.1",
            port=0,
            logger=DNSLogger("-request,-reply,-truncated,-data,-recv,-send,-error"),
        )

    @property
    def nameservers(self) -> tuple[tuple[str, int], ...]:
        return (("127.0.0.1", self.server.server.server_address[1]),)

    def publish(self, name: str, *values: str) -> None:
        """Answer TXT ``values`` for ``name`` (replacing what it answered before)."""
        with self.records.lock:
            self.records.txt[name.lower()] = list(values)
            self.records.failing.discard(name.lower())

    def fail(self, name: str) -> None:
        """Answer SERVFAIL for ``name``."""
        with self.records.lock:
            self.records.failing.add(name.lower())

    def clear(self) -> None:
        with self.records.lock:
            self.records.txt.clear()
            self.records.failing.clear()

    def start(self) -> LoopbackDns:
        global current
        self.server.start_thread()
        current = self
        return self

    def stop(self) -> None:
        global current
        current = None
        self.server.stop()
        self.server.server.server_close()
