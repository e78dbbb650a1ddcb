"""Polls that come faster than ``interval`` are answered ``slow_down`` and the interval grows (RFC 8628 3.5)."""

from __future__ import annotations

import pytest

from ssoconsole.agents import handoff

from .conftest import approve_in_browser, password_browser

pytestmark = pytest.mark.django_db
INTERVAL = handoff.POLL_INTERVAL_SECONDS


def answer(response) -> tuple[int, str, str, int | None]:
    body = response.json()
    return (
        response.status_code,
        body["status"],
        body["error"]["code"],
        body["error"]["details"].get("interval"),
    )


def test_a_poll_sooner_than_the_interval_is_told_to_slow_down(agent, clock):
    agent.start()
    assert answer(agent.poll()) == (400, "pending", "authorization_pending", INTERVAL)
    clock.advance(seconds=1)
    status, state, code, interval = answer(agent.poll())
    assert (status, state, code, interval) == (400, "slow_down", "slow_down", INTERVAL + 5)
    assert "too often" in agent.poll().json()["error"]["message"]


def test_the_longer_interval_holds_for_every_later_poll_of_that_hand_off(agent, clock):
    agent.start()
    agent.poll()
    clock.advance(seconds=1)
    assert answer(agent.poll())[3] == INTERVAL + 5
    clock.advance(seconds=INTERVAL + 1)  # enough for the old interval, not for the new one
    assert answer(agent.poll())[1:] == ("slow_down", "slow_down", INTERVAL + 10)
    clock.advance(seconds=INTERVAL + 10)
    assert answer(agent.poll()) == (400, "pending", "authorization_pending", INTERVAL + 10)


def test_polls_that_keep_the_interval_stay_pending(agent, clock):
    agent.start()
    for _ in range(4):
        assert answer(agent.poll())[1] == "pending"
        clock.advance(seconds=INTERVAL)


def test_a_little_network_jitter_is_forgiven(agent, clock):
    agent.start()
    agent.poll()
    clock.advance(seconds=INTERVAL - 0.5)
    assert answer(agent.poll())[1] == "pending"


def test_the_interval_is_capped(agent, clock):
    agent.start()
    agent.poll()
    for _ in range(30):
        last = answer(agent.poll())
    assert last[1] == "slow_down" and last[3] == handoff.MAX_POLL_INTERVAL_SECONDS


def test_each_hand_off_has_its_own_interval(agent, clock):
    from .conftest import Agent

    agent.start()
    agent.poll()
    agent.poll()
    other = Agent()
    other.start()
    assert answer(other.poll()) == (400, "pending", "authorization_pending", INTERVAL)


def test_a_poll_with_a_wrong_secret_does_not_slow_the_agent_down(agent, clock):
    agent.start()
    agent.poll()
    clock.advance(seconds=INTERVAL)
    assert (
        agent.post(
            "/agents/token", {"handoffId": agent.started["handoffId"], "pollSecret": "wrong"}
        ).status_code
        == 404
    )
    assert answer(agent.poll())[1] == "pending"


def test_an_approved_sign_in_gives_its_token_even_to_a_fast_poll(
    agent, plain_user, password, clock
):
    """slow_down is a kind of pending: once the user approved, the next poll gets the token."""
    agent.start()
    agent.poll()
    approve_in_browser(password_browser(plain_user, password), agent)
    assert agent.poll().status_code == 200
