"""POST /api/v1/agents/heartbeat: an agent reports its status, the console shows it, bounds hold.

And DELETE /api/v1/agents/me, the agent's own sign-out, which the reference
agent's ``logout`` calls.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from ssoconsole.accounts import services as accounts
from ssoconsole.agents import heartbeat
from ssoconsole.agents import services as agent_services
from ssoconsole.agents.models import Agent as AgentRecord
from ssoconsole.audit.models import AuditEvent
from ssoconsole.core import clock as app_clock
from ssoconsole.tenancy import services as tenancy

from . import helpers

pytestmark = pytest.mark.django_db
BEAT = "/api/v1/agents/heartbeat"
GOOD = {
    "state": "idle",
    "lastBackupAt": "2026-01-02T03:04:05Z",
    "lastBackupBytes": 123_456_789,
    "message": "Backed up 42 files",
}


def beat(token: str | None, body: dict | None = None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return Client().post(
        BEAT,
        data=json.dumps(GOOD if body is None else body),
        content_type="application/json",
        headers=headers,
    )


@pytest.fixture
def issued(plain_user):
    return helpers.make_agent(plain_user, device_name="Ada's laptop")


def test_a_heartbeat_is_stored_and_returned_as_the_agents_last_status(issued):
    response = beat(issued.token)
    assert response.status_code == 200, response.content
    status = response.json()["status"]
    assert status["state"] == "idle" and status["lastBackupBytes"] == 123_456_789
    assert status["lastBackupAt"].startswith("2026-01-02T03:04:05")
    assert status["message"] == "Backed up 42 files"
    me = Client().get("/api/v1/agents/me", headers={"Authorization": f"Bearer {issued.token}"})
    assert me.json()["lastStatus"] == status
    stored = AgentRecord.objects.get(id=issued.agent.id)
    assert stored.last_heartbeat_at == stored.last_seen_at is not None


def test_anonymous_and_user_token_heartbeats_get_401_and_change_nothing(issued, plain_user_token):
    for token in (None, plain_user_token):
        response = beat(token)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
        assert "ssoa_" in response.json()["error"]["message"]
    assert AgentRecord.objects.get(id=issued.agent.id).last_heartbeat_at is None


def test_a_revoked_agents_heartbeat_says_it_was_revoked(issued, org_admin):
    agent_services.revoke(issued.agent, actor=org_admin)
    response = beat(issued.token)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "agent_revoked"
    assert org_admin.username in response.json()["error"]["message"]


def test_a_deactivated_users_agent_heartbeat_says_so(issued, plain_user):
    accounts.set_active(plain_user, False)
    response = beat(issued.token)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "user_inactive"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"state": "exploding"}, "state"),
        ({"message": "x" * 201}, "message"),
        ({"lastBackupBytes": -1}, "lastBackupBytes"),
        ({"lastBackupBytes": 2**53}, "lastBackupBytes"),
        ({"lastBackupBytes": "12"}, "lastBackupBytes"),
        ({"lastBackupAt": "yesterday"}, "lastBackupAt"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_values_outside_their_bounds_are_refused_with_the_field_named(issued, change, field):
    response = beat(issued.token, {**GOOD, **change})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["field"] == field
    assert AgentRecord.objects.get(id=issued.agent.id).last_heartbeat_at is None


def test_a_backup_time_in_the_future_points_at_the_computers_clock(issued):
    ahead = (app_clock.now() + timedelta(hours=1)).isoformat()
    response = beat(issued.token, {**GOOD, "lastBackupAt": ahead})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "time_in_future"
    assert "clock" in response.json()["error"]["message"]


def test_a_backup_time_without_a_time_zone_is_refused(issued):
    response = beat(issued.token, {**GOOD, "lastBackupAt": "2026-01-02T03:04:05"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_time"
    assert response.json()["error"]["field"] == "lastBackupAt"


def test_the_message_is_kept_to_one_printable_line(issued):
    response = beat(issued.token, {**GOOD, "message": "disk\nfull\x1b[31m  now\t!"})
    assert response.json()["status"]["message"] == "disk full [31m now !"


def test_too_many_heartbeats_get_429_with_retry_after(issued, settings):
    settings.SSOCONSOLE_THROTTLE = {"agent-heartbeat": (2, 300)}
    assert beat(issued.token).status_code == 200
    assert beat(issued.token).status_code == 200
    refused = beat(issued.token)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "heartbeat_too_frequent"
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["details"]["retryAfterSeconds"] == int(refused["Retry-After"])


def test_one_agents_heartbeat_changes_only_its_own_record(issued, plain_user, other_tenant_admin):
    mine = helpers.make_agent(plain_user, device_name="Ada's desktop")
    foreign = helpers.make_agent(other_tenant_admin, device_name="Globex workstation")
    assert beat(issued.token).status_code == 200
    assert AgentRecord.objects.get(id=mine.agent.id).last_heartbeat_at is None
    assert AgentRecord.objects.get(id=foreign.agent.id).last_heartbeat_at is None


def test_heartbeats_keep_working_after_the_users_org_stops_using_sso(tenant, sso_user, provider):
    """The user cannot sign in anywhere any more; the agent token does not care (tutorial: agents continue)."""
    issued = helpers.make_agent(sso_user, device_name="Build server")
    tenancy.set_org_sso(sso_user.org, "none")
    assert tenancy.effective_sso_of(sso_user.org).provider_id is None
    assert beat(issued.token).status_code == 200


def test_the_agents_own_sign_out_revokes_it_and_is_audited(issued, plain_user):
    other = helpers.make_agent(plain_user, device_name="Ada's desktop")
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert Client().delete("/api/v1/agents/me", headers=headers).status_code == 204
    stored = AgentRecord.objects.get(id=issued.agent.id)
    assert stored.revoked_at is not None and "signed out in the agent" in stored.revoked_by
    event = AuditEvent.objects.get(action="agent.revoked", target_id=str(issued.agent.id))
    assert event.actor_id == plain_user.id and event.data["by"] == "agent"
    again = Client().get("/api/v1/agents/me", headers=headers)
    assert again.status_code == 401 and again.json()["error"]["code"] == "agent_revoked"
    assert AgentRecord.objects.get(id=other.agent.id).revoked_at is None


def _silent(agent, days: int) -> None:
    AgentRecord.objects.filter(id=agent.id).update(
        last_seen_at=app_clock.now() - timedelta(days=days)
    )


def test_admins_list_the_agents_not_heard_from_for_n_days(
    issued, plain_user, org_admin_token, other_tenant_admin
):
    quiet = helpers.make_agent(plain_user, device_name="Quiet laptop")
    never = helpers.make_agent(plain_user, device_name="Never called")
    foreign = helpers.make_agent(other_tenant_admin, device_name="Globex quiet")
    _silent(quiet.agent, 10)
    _silent(foreign.agent, 10)
    AgentRecord.objects.filter(id=never.agent.id).update(
        created_at=app_clock.now() - timedelta(days=30)
    )
    assert beat(issued.token).status_code == 200
    client = Client(headers={"Authorization": f"Bearer {org_admin_token}"})

    def names(q):
        return {a["name"] for a in client.get(f"/api/v1/agents{q}").json()["items"]}

    assert names("?silentForDays=7") == {"Quiet laptop", "Never called"}
    assert names("?silentForDays=14") == {"Never called"}
    assert names("?silentForDays=60") == set()
    assert "Ada's laptop" in names("")
    bad = client.get("/api/v1/agents?silentForDays=0")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "silentForDays"


def test_the_agents_page_shows_last_status_and_filters_silent_devices(
    issued, plain_user, org_admin
):
    quiet = helpers.make_agent(plain_user, device_name="Quiet laptop")
    _silent(quiet.agent, 10)
    assert beat(issued.token).status_code == 200
    client = Client()
    client.force_login(org_admin)
    page = client.get(reverse("console:agent_list")).content.decode()
    assert "Last status" in page and "Backed up 42 files" in page and "117.7" in page
    assert "no heartbeat yet" in page  # the quiet laptop never sent one
    silent = client.get(reverse("console:agent_list"), {"silent": "7"}).content.decode()
    assert "Quiet laptop" in silent and "Ada&#x27;s laptop" not in silent
    wrong = client.get(reverse("console:agent_list"), {"silent": "soon"}).content.decode()
    assert "Enter a whole number of days from 1 to 3650" in wrong


def test_the_users_page_shows_each_agents_last_status(issued, plain_user, org_admin):
    assert beat(issued.token).status_code == 200
    client = Client()
    client.force_login(org_admin)
    page = client.get(reverse("console:user_detail", args=[plain_user.id])).content.decode()
    assert "Ada&#x27;s laptop" in page and "Backed up 42 files" in page and "Idle" in page


def test_the_bounds_are_the_documented_ones():
    """docs/agents.md states these numbers; change both together."""
    assert heartbeat.MESSAGE_LENGTH == 200 and heartbeat.MAX_BYTES == 2**53 - 1
    assert (heartbeat.HEARTBEAT_RULE.limit, heartbeat.HEARTBEAT_RULE.window_seconds) == (60, 300)
