"""Agents in the console: My devices, the admin Agents page, the user page, revoking with a confirmation."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ssoconsole.agents.models import Agent as AgentRecord
from ssoconsole.audit.models import AuditEvent

from . import helpers

pytestmark = pytest.mark.django_db
REVOKE = "/console/agents/revoke/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_my_devices_lists_the_users_own_agents(plain_user, org_admin):
    helpers.make_agent(plain_user, device_name="Ada's laptop", platform="Windows 11")
    helpers.make_agent(org_admin, device_name="Admin desktop")
    page = signed_in(plain_user).get(reverse("console:account")).content.decode()
    assert "My devices" in page and "Ada&#x27;s laptop" in page and "Windows 11" in page
    assert "Admin desktop" not in page
    assert "never" in page  # last seen: the agent has not called the API yet


def test_my_devices_says_when_there_are_none(plain_user):
    assert (
        "No agents are signed in as you."
        in signed_in(plain_user).get(reverse("console:account")).content.decode()
    )


def test_revoking_from_my_devices_asks_first_then_revokes(plain_user):
    issued = helpers.make_agent(plain_user, device_name="Old laptop")
    client = signed_in(plain_user)
    confirm = client.post(REVOKE, {"agent": str(issued.agent.id), "next": "account"})
    assert confirm.status_code == 200
    assert "Revoke the agent “Old laptop”?" in confirm.content.decode()
    assert AgentRecord.objects.get(id=issued.agent.id).revoked_at is None
    done = client.post(
        REVOKE, {"agent": str(issued.agent.id), "next": "account", "confirm": "yes"}, follow=True
    )
    assert done.redirect_chain[-1][0] == reverse("console:account")
    assert "revoked" in done.content.decode()
    assert AgentRecord.objects.get(id=issued.agent.id).revoked_at is not None
    assert AuditEvent.objects.filter(action="agent.revoked", actor_id=plain_user.id).exists()


def test_the_agents_page_lists_the_tenant_with_search(org_admin, plain_user, make_user, make_org):
    sales = make_org("Sales")
    seller = make_user(org=sales)
    helpers.make_agent(plain_user, device_name="Ada's laptop")
    helpers.make_agent(seller, device_name="Sales kiosk", platform="Linux")
    client = signed_in(org_admin)
    page = client.get(reverse("console:agent_list")).content.decode()
    assert "Ada&#x27;s laptop" in page and "Sales kiosk" in page and plain_user.username in page
    found = client.get(reverse("console:agent_list"), {"q": "Sales"}).content.decode()
    assert "Sales kiosk" in found and "Ada&#x27;s laptop" not in found
    empty = client.get(reverse("console:agent_list"), {"q": "nothing-like-this"}).content.decode()
    assert "No agents match" in empty


def test_an_admin_revokes_another_users_agent_with_confirmation(org_admin, plain_user):
    issued = helpers.make_agent(plain_user, device_name="Ada's laptop")
    client = signed_in(org_admin)
    confirm = client.post(
        REVOKE, {"agent": str(issued.agent.id), "next": "agents"}
    ).content.decode()
    assert f"of {plain_user.username}?" in confirm and 'name="confirm" value="yes"' in confirm
    done = client.post(REVOKE, {"agent": str(issued.agent.id), "next": "agents", "confirm": "yes"})
    assert done.status_code == 302 and done["Location"] == reverse("console:agent_list")
    assert AgentRecord.objects.get(id=issued.agent.id).revoked_by == org_admin.username


def test_a_plain_user_cannot_revoke_someone_elses_agent(plain_user, org_admin):
    issued = helpers.make_agent(org_admin)
    response = signed_in(plain_user).post(REVOKE, {"agent": str(issued.agent.id), "confirm": "yes"})
    assert response.status_code == 403
    assert AgentRecord.objects.get(id=issued.agent.id).revoked_at is None


@pytest.mark.parametrize("value", ["", "not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_revoking_an_unknown_agent_is_a_404(plain_user, value):
    assert signed_in(plain_user).post(REVOKE, {"agent": value, "confirm": "yes"}).status_code == 404


def test_the_return_address_is_one_of_three_pages_only(plain_user):
    issued = helpers.make_agent(plain_user)
    response = signed_in(plain_user).post(
        REVOKE, {"agent": str(issued.agent.id), "confirm": "yes", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("console:account")


def test_the_user_page_lists_the_users_agents(org_admin, identity_admin, plain_user):
    helpers.make_agent(plain_user, device_name="Ada's laptop")
    url = reverse("console:user_detail", args=[plain_user.id])
    admin_page = signed_in(org_admin).get(url).content.decode()
    assert (
        "Desktop agents" in admin_page
        and "Ada&#x27;s laptop" in admin_page
        and "Revoke" in admin_page
    )
    viewer_page = signed_in(identity_admin).get(url).content.decode()
    assert "Ada&#x27;s laptop" in viewer_page and 'aria-label="Revoke agent' not in viewer_page


def test_revoked_agents_disappear_from_the_lists(org_admin, plain_user):
    issued = helpers.make_agent(plain_user, device_name="Gone laptop")
    client = signed_in(org_admin)
    client.post(REVOKE, {"agent": str(issued.agent.id), "confirm": "yes", "next": "agents"})
    client.get(reverse("console:agent_list"))  # shows (and so consumes) the success message
    assert "Gone laptop" not in client.get(reverse("console:agent_list")).content.decode()
