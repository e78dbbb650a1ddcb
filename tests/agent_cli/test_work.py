"""``status``, ``run`` and ``logout`` against the real server, and how each stops when the token does."""

from __future__ import annotations

import re

import pytest

from ssoconsole.accounts import services as accounts
from ssoconsole.agents import services as agent_services
from ssoconsole.agents.models import Agent as AgentRecord
from ssoconsole.audit.models import AuditEvent
from ssoconsole_agent import config

from .conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_status_says_who_since_when_last_contact_and_that_the_token_works(
    agent_world, app_url, plain_user
):
    signed_in(agent_world, app_url, plain_user, "--device", "Ada's laptop")
    outcome = agent_world.run("status")
    assert outcome.status == 0, outcome
    assert outcome.out.startswith(f"Signed in as {plain_user.username} on {app_url}\n")
    agent = AgentRecord.objects.get()
    assert f"Device:       Ada's laptop (agent {agent.id})" in outcome.out
    assert "Token:        works (checked just now)" in outcome.out
    assert f"Last contact: {agent.last_seen_at:%Y-%m-%d %H:%M:%S} UTC" in outcome.out
    assert "no heartbeat yet" in outcome.out


def test_run_sends_heartbeats_the_console_shows(agent_world, app_url, plain_user):
    signed_in(agent_world, app_url, plain_user)
    outcome = agent_world.run("run", "--interval", "30", "--count", "3")
    assert outcome.status == 0, outcome
    assert outcome.out.count("heartbeat accepted: backed up") == 3
    assert agent_world.slept[-2:] == [30, 30]  # between the three rounds
    agent = AgentRecord.objects.get()
    assert agent.last_state == "idle" and agent.last_message.startswith("Simulated backup: ")
    assert agent.last_heartbeat_at is not None and agent.last_backup_bytes is not None
    status = agent_world.run("status").out
    assert "Last status:  idle, last backup" in status


def test_run_stops_with_the_servers_reason_when_the_agent_is_revoked(
    agent_world, app_url, plain_user, org_admin
):
    signed_in(agent_world, app_url, plain_user)
    agent_world.on_sleep.append(
        lambda: agent_services.revoke(AgentRecord.objects.get(), actor=org_admin)
    )
    outcome = agent_world.run("run", "--interval", "5")
    assert outcome.status == 3
    assert outcome.out.count("heartbeat accepted") == 1
    assert "This agent was revoked on" in outcome.err and f"by {org_admin.username}" in outcome.err
    assert "The agent stopped and forgot its token" in outcome.err
    assert config.load(agent_world.environ) is None


def test_run_stops_when_the_user_is_deactivated_and_keeps_the_sign_in(
    agent_world, app_url, plain_user
):
    signed_in(agent_world, app_url, plain_user)
    accounts.set_active(plain_user, False)
    outcome = agent_world.run("run", "--interval", "5")
    assert outcome.status == 3
    assert "The user of this agent is deactivated" in outcome.err
    assert "works again once the user is reactivated" in outcome.err
    assert config.load(agent_world.environ) is not None


def test_status_of_a_revoked_agent_says_so_and_forgets_the_token(agent_world, app_url, plain_user):
    signed_in(agent_world, app_url, plain_user)
    agent_services.revoke(AgentRecord.objects.get(), actor=plain_user)
    outcome = agent_world.run("status")
    assert outcome.status == 3
    assert "This agent was revoked" in outcome.err
    assert config.load(agent_world.environ) is None
    again = agent_world.run("status")
    assert again.status == 1 and "Not signed in." in again.err


def test_logout_revokes_the_token_at_the_server_and_deletes_the_file(
    agent_world, app_url, plain_user
):
    signed_in(agent_world, app_url, plain_user)
    outcome = agent_world.run("logout")
    assert outcome.status == 0, outcome
    assert f"the agent's token is revoked on {app_url}" in outcome.out
    assert AgentRecord.objects.get().revoked_at is not None
    assert AuditEvent.objects.filter(action="agent.revoked", actor_id=plain_user.id).exists()
    assert not config.credentials_path(agent_world.environ).exists()
    assert "nothing to do" in agent_world.run("logout").out


def test_logout_keeps_the_sign_in_when_the_server_cannot_be_reached(
    agent_world, app_url, plain_user, live_server
):
    signed_in(agent_world, app_url, plain_user)
    stored = config.load(agent_world.environ)
    moved = config.Credentials(**{**stored.__dict__, "server": "http://127.0.0.1:9"})
    config.save(moved, agent_world.environ)
    outcome = agent_world.run("logout")
    assert outcome.status == 1
    assert "Cannot reach http://127.0.0.1:9" in outcome.err
    assert config.load(agent_world.environ) is not None
    assert AgentRecord.objects.get().revoked_at is None


def test_run_keeps_working_while_the_server_is_unreachable(agent_world, app_url, plain_user):
    """A backup agent does not stop because the console is down: it reports again next round."""
    signed_in(agent_world, app_url, plain_user)
    stored = config.load(agent_world.environ)
    config.save(
        config.Credentials(**{**stored.__dict__, "server": "http://127.0.0.1:9"}),
        agent_world.environ,
    )
    outcome = agent_world.run("run", "--interval", "5", "--count", "2")
    assert outcome.status == 0
    assert outcome.out.count("heartbeat not delivered: Cannot reach") == 2


def test_login_after_a_revocation_forgets_the_old_sign_in_and_signs_in_again(
    agent_world, app_url, plain_user, org_admin
):
    signed_in(agent_world, app_url, plain_user)
    first = AgentRecord.objects.get()
    agent_services.revoke(first, actor=org_admin)
    outcome = signed_in(agent_world, app_url, plain_user)
    assert "The stored sign-in no longer works: This agent was revoked" in outcome.err
    assert f"Signed in as {plain_user.username}" in outcome.out
    assert config.load(agent_world.environ).agent_id != str(first.id)


def test_run_waits_as_long_as_the_server_asks_when_it_sends_too_many(
    agent_world, app_url, plain_user, settings
):
    settings.SSOCONSOLE_THROTTLE = {"agent-heartbeat": (1, 300)}
    signed_in(agent_world, app_url, plain_user)
    outcome = agent_world.run("run", "--interval", "5", "--count", "3")
    assert outcome.status == 0, outcome
    lines = outcome.out.splitlines()[1:]
    assert "heartbeat accepted" in lines[0] and "heartbeat accepted" in lines[2]
    wait = re.search(r"fewer heartbeats; next one in (\d+) seconds", lines[1])
    assert wait and 5 < int(wait[1]) <= 600  # the sliding window's estimate spans two windows
    assert agent_world.slept[-2:] == [5, int(wait[1])]  # the usual interval, then the server's wait
