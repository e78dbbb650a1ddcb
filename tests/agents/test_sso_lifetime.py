"""SSO users sign agents in through the IdP, and the agent token outlives every session (docs/rules.md#agents-outlive-the-idp-session).

"Agents keep working if the user loses IdP access, until an admin revokes the
agent or deactivates the user": each way the user's browser access can end is
simulated for real here (sign-out, the SAML session's end, a replaced IdP
certificate, the user gone at the IdP), and the agent token is checked after it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from signin import helpers as signin_helpers

from ssoconsole.core import clock as app_clock
from ssoconsole.sso.providers import update_provider

from .conftest import sso_sign_in

pytestmark = pytest.mark.django_db


def _sso_hand_off(agent, tenant, user, **answer_options) -> Client:
    """Start a hand-off, sign in at the (simulated) IdP from the approval page, approve; return the browser."""
    agent.start(device_name="Build server", platform="Linux")
    browser = Client()
    redirect = browser.get(agent.browser_path)
    assert redirect.status_code == 302 and "next=" in redirect["Location"]
    acs = sso_sign_in(browser, tenant, user, agent.browser_path, **answer_options)
    assert acs.status_code == 303 and acs["Location"] == agent.browser_path
    page = browser.get(agent.browser_path).content.decode()
    assert f"Sign in a desktop agent as {user.username}?" in page and "Build server" in page
    browser.post(
        agent.browser_path, {"decision": "approve", "user_code": agent.started["userCode"]}
    )
    response = agent.poll()
    assert response.status_code == 200, response.content
    return browser


def test_an_sso_user_signs_an_agent_in_through_the_identity_provider(agent, tenant, sso_user):
    """SP-initiated: the approval page sends the browser to /login, the IdP and the ACS, then back to itself."""
    _sso_hand_off(agent, tenant, sso_user)
    me = agent.me()
    assert me.status_code == 200
    assert me.json()["user"] == {"username": sso_user.username, "tenantId": str(tenant.id)}


def test_the_token_survives_signing_out_of_the_console(agent, tenant, sso_user):
    browser = _sso_hand_off(agent, tenant, sso_user)
    browser.post("/logout")
    assert browser.get("/api/v1/me").status_code == 401
    assert agent.me().status_code == 200


def test_the_token_survives_the_end_of_the_sso_session(agent, tenant, sso_user, clock):
    """The console session ends at SessionNotOnOrAfter; the agent does not notice."""
    ends = app_clock.now().replace(microsecond=0) + timedelta(hours=1)
    browser = _sso_hand_off(agent, tenant, sso_user, session_not_on_or_after=ends)
    clock.advance(hours=2)
    assert browser.get("/api/v1/me").status_code == 401
    assert agent.me().status_code == 200


def test_the_token_keeps_working_when_the_idp_certificate_is_replaced(
    agent, tenant, sso_user, provider
):
    """The provider now trusts another key: the user's browser sign-in is refused, the agent carries on."""
    _sso_hand_off(agent, tenant, sso_user)
    update_provider(
        provider,
        metadata_xml=signin_helpers.metadata(
            signin_helpers.ENTITY_A, signin_helpers.SSO_URL_A, signin_helpers.key("idp-rotated")
        ),
    )
    refused = sso_sign_in(Client(), tenant, sso_user, "/console/")
    assert refused.status_code >= 400 and b"sso.signing_key_" in refused.content
    assert agent.me().status_code == 200


def test_the_token_keeps_working_when_the_user_is_removed_at_the_idp(agent, tenant, sso_user):
    """The IdP now answers the user's sign-in with an error (Entra's AADSTS50105: user not assigned)."""
    _sso_hand_off(agent, tenant, sso_user)
    refused = sso_sign_in(
        Client(),
        tenant,
        sso_user,
        "/console/",
        include_assertion=False,
        status="urn:oasis:names:tc:SAML:2.0:status:Responder",
        second_status="urn:oasis:names:tc:SAML:2.0:status:RequestDenied",
        status_message="AADSTS50105: The signed in user is not assigned to a role for the application.",
    )
    assert 400 <= refused.status_code < 500
    assert agent.me().status_code == 200


def test_only_revocation_or_deactivation_stops_it(agent, tenant, sso_user, org_admin):
    from ssoconsole.accounts.services import set_active

    _sso_hand_off(agent, tenant, sso_user)
    set_active(sso_user, False, actor=org_admin)
    assert agent.me().status_code == 401
    set_active(sso_user, True, actor=org_admin)
    assert agent.me().status_code == 200
