"""The agent token: what it opens (/agents/me), what it does not (every user endpoint), and what stops it."""

from __future__ import annotations

import pytest
from api.conftest import (
    session_client,
)  # tests/api/conftest.py: a console session that enforces CSRF
from django.test import Client

from ssoconsole.accounts.services import set_active
from ssoconsole.agents.models import Agent as AgentRecord
from ssoconsole.agents.services import revoke
from ssoconsole.audit.models import AuditEvent

from . import helpers

pytestmark = pytest.mark.django_db
ME = "/api/v1/agents/me"


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def issued(plain_user):
    return helpers.make_agent(
        plain_user, device_name="Ada's laptop", platform="macOS 15", agent_version="2.4.1"
    )


def test_me_returns_the_agent_and_its_user(issued, plain_user):
    body = bearer(issued.token).get(ME).json()
    assert body["agentId"] == str(issued.agent.id)
    assert (body["name"], body["platform"], body["agentVersion"]) == (
        "Ada's laptop",
        "macOS 15",
        "2.4.1",
    )
    assert body["user"] == {"username": plain_user.username, "tenantId": str(plain_user.tenant_id)}
    assert body["lastSeenAt"] is not None


def test_last_seen_is_written_at_most_once_a_minute(issued, clock):
    client = bearer(issued.token)
    client.get(ME)
    first = AgentRecord.objects.get(id=issued.agent.id).last_seen_at
    clock.advance(seconds=30)
    client.get(ME)
    assert AgentRecord.objects.get(id=issued.agent.id).last_seen_at == first
    clock.advance(seconds=31)
    client.get(ME)
    assert AgentRecord.objects.get(id=issued.agent.id).last_seen_at > first


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/orgs",
        "/api/v1/agents",
        "/api/v1/me/agents",
        "/api/v1/api-tokens",
        "/api/v1/audit-events",
        "/api/v1/auth-providers",
    ],
)
def test_agent_tokens_are_refused_on_user_endpoints(make_user, path):
    """An agent of an administrator still cannot act as the administrator."""
    admin = make_user(roles=["org-admin", "identity-admin"])
    token = helpers.make_agent(admin).token
    response = bearer(token).get(path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_agent_tokens_cannot_revoke_agents(plain_user):
    mine = helpers.make_agent(plain_user)
    response = bearer(mine.token).delete(f"/api/v1/agents/{mine.agent.id}")
    assert response.status_code == 401
    assert AgentRecord.objects.get(id=mine.agent.id).revoked_at is None


def test_user_tokens_and_sessions_are_refused_at_the_agent_endpoint(plain_user, plain_user_token):
    response = bearer(plain_user_token).get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert "agent token" in response.json()["error"]["message"]
    session = Client()
    session.force_login(plain_user)
    assert session.get(ME).status_code == 401
    assert Client().get(ME)["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header", ["Bearer ssoa_unknown", "Bearer ssoa_" + "x" * 300, "Basic abc", "Bearer"]
)
def test_unknown_and_malformed_agent_tokens_are_401(header):
    response = Client(headers={"Authorization": header}).get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] in ("invalid_token", "not_authenticated")


def test_a_revoked_agent_gets_401_agent_revoked(issued, plain_user):
    revoke(AgentRecord.objects.get(id=issued.agent.id), actor=plain_user)
    refused = bearer(issued.token).get(ME)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "agent_revoked"
    assert "Sign the agent in again" in refused.json()["error"]["message"]
    assert 'error="invalid_token"' in refused["WWW-Authenticate"]


def test_revoking_through_the_console_session_needs_the_csrf_token(issued, plain_user):
    client, csrf = session_client(plain_user)
    path = f"/api/v1/agents/{issued.agent.id}"
    refused = client.delete(path)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    assert client.delete(path, headers={"X-CSRFToken": csrf}).status_code == 204


def test_a_deactivated_users_agent_is_refused_at_once_and_audited_hourly(
    issued, plain_user, org_admin, clock
):
    set_active(plain_user, False, actor=org_admin)
    for _ in range(3):
        refused = bearer(issued.token).get(ME)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "user_inactive"
    events = AuditEvent.objects.filter(
        action="agent.refused", reason_code="user_inactive", target_id=str(issued.agent.id)
    )
    assert events.count() == 1
    clock.advance(hours=1)
    bearer(issued.token).get(ME)
    assert events.count() == 2


def test_the_owner_revokes_their_own_agent_through_the_api(issued, plain_user, plain_user_token):
    response = bearer(plain_user_token).delete(f"/api/v1/agents/{issued.agent.id}")
    assert response.status_code == 204
    event = AuditEvent.objects.get(action="agent.revoked", target_id=str(issued.agent.id))
    assert event.actor_id == plain_user.id and event.data["own"] is True
    again = bearer(plain_user_token).delete(f"/api/v1/agents/{issued.agent.id}")
    assert again.status_code == 404 and again.json()["error"]["code"] == "agent_not_found"


def test_another_plain_user_cannot_revoke_it(issued, make_user, api_token_for):
    other = api_token_for(make_user())
    response = bearer(other).delete(f"/api/v1/agents/{issued.agent.id}")
    assert response.status_code == 403
    assert response.json()["error"]["details"] == {"capability": "agents.manage"}
    assert AgentRecord.objects.get(id=issued.agent.id).revoked_at is None


def test_an_administrator_with_agents_manage_revokes_it(issued, org_admin, org_admin_token):
    assert bearer(org_admin_token).delete(f"/api/v1/agents/{issued.agent.id}").status_code == 204
    record = AgentRecord.objects.get(id=issued.agent.id)
    assert record.revoked_by == org_admin.username
    assert bearer(issued.token).get(ME).json()["error"]["code"] == "agent_revoked"


def test_lists_show_the_tenants_agents_to_admins_and_own_agents_to_users(
    issued, plain_user_token, org_admin_token, org_admin
):
    helpers.make_agent(org_admin, device_name="Admin desktop")
    everyone = bearer(org_admin_token).get("/api/v1/agents").json()
    assert {a["name"] for a in everyone["items"]} == {"Ada's laptop", "Admin desktop"}
    assert bearer(org_admin_token).get("/api/v1/agents?q=desktop").json()["total"] == 1
    mine = bearer(plain_user_token).get("/api/v1/me/agents").json()
    assert [a["name"] for a in mine["items"]] == ["Ada's laptop"]
    assert set(mine["items"][0]) >= {
        "id",
        "name",
        "platform",
        "username",
        "orgName",
        "createdAt",
        "lastSeenAt",
    }
