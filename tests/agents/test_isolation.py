"""Another tenant's agents are invisible: in the API's lists, by id, to agent tokens and in the console."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ssoconsole.agents.models import Agent as AgentRecord

from . import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign(other_tenant_admin):
    return helpers.make_agent(other_tenant_admin, device_name="Globex workstation")


@pytest.fixture
def own(plain_user):
    return helpers.make_agent(plain_user, device_name="Acme laptop")


def bearer(token):
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_lists_never_show_another_tenants_agents(foreign, own, org_admin_token, plain_user_token):
    for client, path in (
        (bearer(org_admin_token), "/api/v1/agents"),
        (bearer(org_admin_token), "/api/v1/agents?q=Globex"),
        (bearer(plain_user_token), "/api/v1/me/agents"),
    ):
        text = client.get(path).content.decode()
        assert "Globex" not in text and str(foreign.agent.id) not in text


def test_revoking_another_tenants_agent_is_not_found_like_a_random_id(foreign, org_admin_token):
    import uuid

    client = bearer(org_admin_token)
    response = client.delete(f"/api/v1/agents/{foreign.agent.id}")
    assert response.status_code == 404
    assert response.json() == client.delete(f"/api/v1/agents/{uuid.uuid4()}").json()
    assert AgentRecord.objects.get(id=foreign.agent.id).revoked_at is None


def test_an_agent_token_sees_only_its_own_agent(foreign, own):
    body = bearer(own.token).get("/api/v1/agents/me").json()
    assert body["agentId"] == str(own.agent.id)
    assert "Globex" not in str(body)


def test_the_console_shows_and_revokes_only_the_own_tenants_agents(foreign, own, org_admin):
    client = Client()
    client.force_login(org_admin)
    page = client.get(reverse("console:agent_list")).content.decode()
    assert "Acme laptop" in page and "Globex" not in page
    response = client.post(
        reverse("console:agent_revoke"), {"agent": str(foreign.agent.id), "confirm": "yes"}
    )
    assert response.status_code == 404
    assert AgentRecord.objects.get(id=foreign.agent.id).revoked_at is None
