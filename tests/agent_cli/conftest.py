"""Running the reference agent (``ssoconsole_agent``) in-process against the real app on a live server.

The agent talks HTTP to pytest-django's live server like any agent; only its
surroundings are replaced: the configuration directory (a temporary
``XDG_CONFIG_HOME``), the browser (a hook that records the link, and a
"user" who decides through the approval services), and time (the agent's
sleep moves the server's clock, so a 10-minute expiry takes milliseconds).
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field

import pytest
from django.test import RequestFactory

from ssoconsole.agents import approval
from ssoconsole_agent import cli, signin

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@dataclass
class Outcome:
    status: int
    out: str
    err: str


@dataclass
class AgentWorld:
    """One agent installation: its config directory, its fake browser and its view of time."""

    environ: dict
    clock: object
    opened: list = field(default_factory=list)
    slept: list = field(default_factory=list)
    on_sleep: list = field(default_factory=list)  # callables run at each sleep, in order
    open_result: bool = True
    sleep_share: float = 1.0  # how much of each requested sleep really passes (< 1: too fast)
    monotonic_now: float = 1000.0
    printed: io.StringIO | None = None  # what the running command has printed so far

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        passed = seconds * self.sleep_share
        self.monotonic_now += passed
        self.clock.advance(seconds=passed)
        if self.on_sleep:
            self.on_sleep.pop(0)()

    def monotonic(self) -> float:
        return self.monotonic_now

    def open_browser(self, url: str) -> bool:
        self.opened.append(url)
        return self.open_result

    def run(self, *argv: str) -> Outcome:
        out, err = io.StringIO(), io.StringIO()
        self.printed = out
        env = signin.Environment(
            out=out,
            err=err,
            sleep=self.sleep,
            monotonic=self.monotonic,
            open_browser=self.open_browser,
            interactive=False,
        )
        status = cli.main(list(argv), env=env, environ=self.environ)
        return Outcome(status, out.getvalue(), err.getvalue())

    @property
    def browser_key(self) -> str:
        """The key of the link the user follows: the opened one, else the one the agent printed."""
        link = (
            self.opened[-1]
            if self.opened
            else re.search(r"\S+/agents/authorize/\S+", self.printed.getvalue())[0]
        )
        return link.rstrip("/").rsplit("/", 1)[-1]

    def decide(self, user, *, approve: bool = True) -> None:
        """The user opens the link in their browser, signed in, and clicks Approve or Deny."""
        handoff = approval.find(self.browser_key)
        cookie = approval.claim(handoff, user, None)
        approval.decide(
            RequestFactory().post("/agents/authorize/x"),
            handoff,
            user,
            cookie,
            approve=approve,
            typed_code=self.printed_code,
        )

    @property
    def printed_code(self) -> str:
        """The code the agent printed, which the user types on the approval page."""
        return re.search(r"Code:\s+(\S+)", self.printed.getvalue())[1]


@pytest.fixture
def agent_world(tmp_path, clock) -> AgentWorld:
    return AgentWorld(environ={"XDG_CONFIG_HOME": str(tmp_path / "config")}, clock=clock)


def signed_in(world: AgentWorld, server: str, user, *extra: str) -> Outcome:
    """Run ``login`` and approve as ``user`` at the first wait."""
    world.on_sleep.append(lambda: world.decide(user))
    outcome = world.run("login", "--server", server, *extra)
    assert outcome.status == 0, outcome
    return outcome
