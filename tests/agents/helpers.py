"""Builders for the agent tests: hand-offs in each state, and agents with their tokens.

They go through the real services (start, the browser's claim and decision,
redeem), so a builder never makes a record the product could not make.
"""

from __future__ import annotations

from django.test import RequestFactory

from ssoconsole.agents import approval, handoff

FACTORY = RequestFactory()


def started(
    device_name: str = "Ada's laptop", platform: str = "Windows 11", **fields
) -> handoff.HandoffStarted:
    """Start a hand-off as an agent at 127.0.0.1 would."""
    return handoff.start(
        FACTORY.post("/api/v1/agents/sign-in"), device_name=device_name, platform=platform, **fields
    )


def poll_body(start: handoff.HandoffStarted) -> dict:
    return {"handoffId": str(start.record.id), "pollSecret": start.poll_secret}


def decided(user, *, approve: bool = True, **fields) -> handoff.HandoffStarted:
    """Start a hand-off and let ``user`` approve (or deny) it from one browser."""
    start = started(**fields)
    record = approval.find(start.browser_key)
    cookie = approval.claim(record, user, None)
    request = FACTORY.post("/agents/authorize/x")
    approval.decide(request, record, user, cookie, approve=approve, typed_code=record.user_code)
    return start


def approved_body(user) -> dict:
    """The body of a poll that collects a token for ``user``."""
    return poll_body(decided(user))


def make_agent(user, **fields) -> handoff.Issued:
    """A signed-in agent of ``user`` with its token."""
    start = decided(user, **fields)
    return handoff.redeem(FACTORY.post("/api/v1/agents/token"), start.record.id, start.poll_secret)
