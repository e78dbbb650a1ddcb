"""The agent's side of the hand-off: starting it, and every answer a poll can get."""

from __future__ import annotations

import pytest

from ssoconsole.agents import credentials, handoff
from ssoconsole.agents.models import Agent as AgentRecord
from ssoconsole.agents.models import AgentSignIn, HandoffState

from .conftest import approve_in_browser, password_browser

pytestmark = pytest.mark.django_db


def test_starting_returns_the_secrets_once_and_stores_only_their_hashes(agent, settings):
    settings.SSOCONSOLE_BASE_URL = "https://console.example.com"
    body = agent.start()
    assert set(body) == {
        "handoffId",
        "pollSecret",
        "browserUrl",
        "userCode",
        "expiresIn",
        "interval",
    }
    assert body["browserUrl"].startswith("https://console.example.com/agents/authorize/")
    assert body["expiresIn"] == 600 and body["interval"] == handoff.POLL_INTERVAL_SECONDS
    record = AgentSignIn.objects.get(id=body["handoffId"])
    key = body["browserUrl"].rsplit("/", 1)[1]
    assert record.poll_secret_hash == credentials.digest(body["pollSecret"])
    assert record.browser_key_hash == credentials.digest(key)
    stored = " ".join(str(v) for v in AgentSignIn.objects.values_list().get(id=record.id))
    assert body["pollSecret"] not in stored and key not in stored
    assert key != body["handoffId"] and key != body["pollSecret"]


def test_the_browser_url_comes_from_the_base_url_not_the_host_header(agent, settings):
    settings.SSOCONSOLE_BASE_URL = "https://console.example.com"
    response = agent.post("/agents/sign-in", {"deviceName": "Laptop"}, Host="evil.example")
    assert response.json()["browserUrl"].startswith("https://console.example.com/")


def test_user_codes_use_the_unambiguous_alphabet():
    for _ in range(50):
        code = credentials.new_user_code()
        assert len(code) == 9 and code[4] == "-"
        assert set(code.replace("-", "")) <= set(credentials.USER_CODE_ALPHABET)


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({}, "field_required", "deviceName"),
        ({"deviceName": "   "}, "field_required", "deviceName"),
        ({"deviceName": "x" * 101}, "too_long", "deviceName"),
        ({"deviceName": "ok", "platform": "p" * 51}, "too_long", "platform"),
        ({"deviceName": "ok", "device_name": "snake"}, "unknown_field", "device_name"),
    ],
)
def test_a_malformed_start_says_which_field_is_wrong(agent, body, code, field):
    response = agent.post("/agents/sign-in", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert AgentSignIn.objects.count() == 0


def test_starts_are_throttled_per_address_with_retry_after(agent, settings, clock):
    settings.SSOCONSOLE_THROTTLE = {"agent-signin-start": (3, 600, 3)}
    for _ in range(3):
        agent.start()
    response = agent.post("/agents/sign-in", {"deviceName": "One too many"})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert "network address" in response.json()["error"]["message"]


def test_a_poll_before_approval_is_pending_with_a_stable_code(agent):
    agent.start()
    response = agent.poll()
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "pending"
    assert body["error"]["code"] == "authorization_pending"
    assert body["error"]["details"]["interval"] == handoff.POLL_INTERVAL_SECONDS


def test_a_wrong_poll_secret_finds_nothing_and_does_not_leak_the_state(agent, plain_user, password):
    agent.start()
    approve_in_browser(password_browser(plain_user, password), agent)
    for body in (
        {"handoffId": agent.started["handoffId"], "pollSecret": "wrong"},
        {"handoffId": "not-a-uuid", "pollSecret": agent.started["pollSecret"]},
    ):
        response = agent.post("/agents/token", body)
        assert response.status_code == 404
        assert (
            response.json()["status"] == "unknown"
            and response.json()["error"]["code"] == "handoff_not_found"
        )
    assert agent.poll().status_code == 200  # the wrong guesses did not spend it


def test_approval_gives_the_token_once_then_already_used(agent, plain_user, password):
    agent.start()
    approve_in_browser(password_browser(plain_user, password), agent)
    first = agent.poll()
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "approved"
    assert body["user"] == {"username": plain_user.username, "tenantId": str(plain_user.tenant_id)}
    assert body["agentToken"].startswith(credentials.AGENT_TOKEN_PREFIX)
    record = AgentRecord.objects.get(id=body["agentId"])
    assert record.token_hash == credentials.digest(body["agentToken"]) and record.user == plain_user
    second = agent.poll()
    assert second.status_code == 409
    assert second.json()["status"] == "used" and second.json()["error"]["code"] == "already_used"
    assert AgentRecord.objects.count() == 1


def test_a_denied_sign_in_answers_access_denied(agent, plain_user, password):
    agent.start()
    page = approve_in_browser(password_browser(plain_user, password), agent, decision="deny")
    assert "Sign-in denied" in page.content.decode()
    response = agent.poll()
    assert response.status_code == 403
    assert (
        response.json()["status"] == "denied"
        and response.json()["error"]["code"] == "access_denied"
    )
    assert AgentRecord.objects.count() == 0


def test_an_expired_sign_in_answers_expired_token(agent, clock):
    agent.start()
    clock.advance(minutes=10, seconds=1)
    response = agent.poll()
    assert response.status_code == 410
    assert (
        response.json()["status"] == "expired"
        and response.json()["error"]["code"] == "expired_token"
    )
    assert "Start a new sign-in" in response.json()["error"]["message"]


def test_an_approval_not_collected_before_expiry_expires_too(agent, plain_user, password, clock):
    agent.start()
    approve_in_browser(password_browser(plain_user, password), agent)
    clock.advance(minutes=11)
    assert agent.poll().status_code == 410
    assert AgentRecord.objects.count() == 0


def test_a_user_deactivated_between_approval_and_poll_gets_no_token(agent, plain_user, password):
    from ssoconsole.accounts.services import set_active

    agent.start()
    approve_in_browser(password_browser(plain_user, password), agent)
    set_active(plain_user, False)
    response = agent.poll()
    assert response.status_code == 403 and response.json()["error"]["code"] == "access_denied"
    assert AgentRecord.objects.count() == 0


def test_two_racing_polls_cannot_both_collect_a_token(agent, plain_user, password):
    """The approved → redeemed change is conditional: a second redeem of the same record fails."""
    from django.test import RequestFactory

    from ssoconsole.agents import errors

    agent.start()
    approve_in_browser(password_browser(plain_user, password), agent)
    stale = AgentSignIn.objects.get(id=agent.started["handoffId"])
    assert stale.state == HandoffState.APPROVED
    assert agent.poll().status_code == 200
    with pytest.raises(errors.AlreadyUsed):
        handoff._issue(RequestFactory().post("/"), stale, stale.created_at)


def test_hand_offs_expired_for_a_day_are_purged_by_housekeeping_not_by_a_start(agent, clock):
    from ssoconsole.sso.housekeeping import purge_expired

    agent.start()
    old = agent.started["handoffId"]
    clock.advance(days=1, minutes=11)
    agent.start()  # a request deletes nothing: purging is the scheduler's round
    assert AgentSignIn.objects.filter(id=old).exists()
    purged = purge_expired(now=clock.now())
    assert purged.others == {"old agent hand-off(s)": 1} and purged.any
    assert not AgentSignIn.objects.filter(id=old).exists()
    assert AgentSignIn.objects.count() == 1
