"""The browser's side: /agents/authorize/<key> behind the normal sign-in, bound to one browser, CSRF-protected."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from ssoconsole.agents import approval
from ssoconsole.agents.models import AgentSignIn, HandoffState
from ssoconsole.audit.models import AuditEvent

from .conftest import approve_in_browser, password_browser

pytestmark = pytest.mark.django_db


def test_an_anonymous_browser_goes_to_the_login_page_and_comes_back(agent, plain_user, password):
    """Full hand-off with password sign-in: /login with ``next`` back to the page, approve, the agent's poll gets the token."""
    agent.start()
    browser = Client()
    response = browser.get(agent.browser_path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=%2Fagents%2Fauthorize%2F")
    login = browser.get(response["Location"])
    assert login.status_code == 200 and 'name="username"' in login.content.decode()
    signed_in = browser.post(
        "/login",
        {
            "step": "password",
            "username": plain_user.username,
            "password": password,
            "next": agent.browser_path,
        },
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == agent.browser_path
    page = browser.get(agent.browser_path).content.decode()
    assert f"Sign in a desktop agent as {plain_user.username}?" in page
    assert "Ada&#x27;s laptop" in page and "Windows 11" in page
    assert agent.started["userCode"] not in page, "the approver types the code; it is not shown"
    assert agent.poll().json()["status"] == "pending"
    done = browser.post(
        agent.browser_path, {"decision": "approve", "user_code": agent.started["userCode"]}
    )
    assert done.status_code == 200
    assert (
        "The agent can continue" in done.content.decode()
        and "close this window" in done.content.decode()
    )
    assert agent.poll().status_code == 200
    assert AuditEvent.objects.filter(
        action="agent.signin_approved", actor_id=plain_user.id
    ).exists()
    assert AuditEvent.objects.filter(action="agent.created", actor_id=plain_user.id).exists()


def test_the_device_name_is_escaped_on_the_page(agent, plain_user, password):
    agent.start(device_name='<script>alert("x")</script>', platform="<b>OS</b>")
    page = password_browser(plain_user, password).get(agent.browser_path).content.decode()
    assert "<script>alert" not in page and "<b>OS</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_approving_needs_the_csrf_token(agent, plain_user, password):
    agent.start()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(plain_user)
    page = browser.get(agent.browser_path)
    assert page.status_code == 200
    refused = browser.post(agent.browser_path, {"decision": "approve"})
    assert refused.status_code == 403
    assert AgentSignIn.objects.get(id=agent.started["handoffId"]).state == HandoffState.PENDING
    token = page.context["csrf_token"]
    accepted = browser.post(
        agent.browser_path,
        {
            "decision": "approve",
            "csrfmiddlewaretoken": str(token),
            "user_code": agent.started["userCode"],
        },
    )
    assert accepted.status_code == 200
    assert AgentSignIn.objects.get(id=agent.started["handoffId"]).state == HandoffState.APPROVED


def test_the_page_sets_a_binding_cookie_and_is_not_cached(agent, plain_user, password):
    agent.start()
    response = password_browser(plain_user, password).get(agent.browser_path)
    cookie = response.cookies[approval.COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/agents/"
    assert "no-store" in response["Cache-Control"]
    assert (
        response["Referrer-Policy"] == "same-origin"
    )  # the key in the URL never reaches another site


def test_a_second_browser_cannot_use_a_link_another_browser_opened(
    agent, plain_user, make_user, password
):
    """docs/rules.md#opaque-browser-round-trips: the hand-off is tied to the browser that displayed it first."""
    agent.start()
    first = password_browser(plain_user, password)
    assert first.get(agent.browser_path).status_code == 200
    intruder = password_browser(make_user(), password)
    page = intruder.get(agent.browser_path)
    assert page.status_code == 409 and "opened in another browser" in html.unescape(
        page.content.decode()
    )
    assert intruder.post(agent.browser_path, {"decision": "approve"}).status_code == 409
    assert AgentSignIn.objects.get(id=agent.started["handoffId"]).state == HandoffState.PENDING


def test_an_approve_post_without_the_page_being_shown_is_refused(agent, plain_user, password):
    agent.start()
    browser = password_browser(plain_user, password)
    response = browser.post(agent.browser_path, {"decision": "approve"})
    assert response.status_code == 409
    assert agent.poll().status_code == 400


def test_switching_user_in_the_same_browser_rebinds_to_the_user_who_sees_the_page(
    agent, plain_user, make_user, password
):
    agent.start()
    browser = password_browser(plain_user, password)
    browser.get(agent.browser_path)
    other = make_user()
    browser.post(
        "/login",
        {"step": "password", "username": other.username, "password": password, "next": "/console/"},
    )
    approve_in_browser(browser, agent)
    assert agent.poll().json()["user"]["username"] == other.username


@pytest.mark.parametrize(
    ("key", "status", "text"),
    [("not-a-key", 404, "not valid"), ("x" * 101, 404, "not valid")],
)
def test_an_unknown_link_says_to_start_again(plain_user, password, key, status, text):
    response = password_browser(plain_user, password).get(f"/agents/authorize/{key}")
    assert response.status_code == status
    page = html.unescape(response.content.decode())
    assert text in page and "Start sign-in again from the agent" in page


def test_an_expired_link_says_so(agent, plain_user, password, clock):
    agent.start()
    clock.advance(minutes=10)
    response = password_browser(plain_user, password).get(agent.browser_path)
    assert response.status_code == 410
    assert "expired" in response.content.decode() and "expired_token" in response.content.decode()


def test_a_decided_link_cannot_be_decided_again(agent, plain_user, password):
    agent.start()
    browser = password_browser(plain_user, password)
    approve_in_browser(browser, agent)
    again = browser.get(agent.browser_path)
    assert again.status_code == 409 and "already approved" in again.content.decode()
    assert browser.post(agent.browser_path, {"decision": "deny"}).status_code == 409
    assert agent.poll().status_code == 200


def test_a_denial_is_audited(agent, plain_user, password):
    agent.start()
    approve_in_browser(password_browser(plain_user, password), agent, decision="deny")
    event = AuditEvent.objects.get(action="agent.signin_denied")
    assert event.actor_id == plain_user.id and event.data["deviceName"] == "Ada's laptop"


def test_a_post_without_a_decision_decides_nothing(agent, plain_user, password):
    agent.start()
    browser = password_browser(plain_user, password)
    browser.get(agent.browser_path)
    response = browser.post(agent.browser_path, {"decision": "maybe"})
    assert response.status_code == 400 and "Approve" in response.content.decode()
    assert AgentSignIn.objects.get(id=agent.started["handoffId"]).state == HandoffState.PENDING


def test_deciding_as_another_user_than_the_page_was_shown_to_is_refused(
    agent, plain_user, make_user, password
):
    agent.start()
    browser = password_browser(plain_user, password)
    browser.get(agent.browser_path)
    other = make_user()
    browser.post(
        "/login",
        {"step": "password", "username": other.username, "password": password, "next": "/console/"},
    )
    response = browser.post(agent.browser_path, {"decision": "approve"})
    assert response.status_code == 409 and "page_not_shown" in response.content.decode()
    assert agent.poll().json()["status"] == "pending"
