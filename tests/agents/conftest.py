"""Fixtures of the agent tests: a simulated agent (plain HTTP calls), password and SSO users, a browser client."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from signin import (
    helpers as signin_helpers,
)  # tests/signin/helpers.py: the test IdP and its signed answers

API = "/api/v1"


class Agent:
    """What a desktop agent does over HTTP: start a sign-in, poll for the token, call the API with it."""

    def __init__(self, client: Client | None = None) -> None:
        self.client = client or Client()
        self.started: dict | None = None
        self.token: str | None = None

    def post(self, path: str, body: dict, **headers):
        return self.client.post(
            f"{API}{path}", data=json.dumps(body), content_type="application/json", headers=headers
        )

    def start(
        self, device_name: str = "Ada's laptop", platform: str = "Windows 11", **extra
    ) -> dict:
        response = self.post(
            "/agents/sign-in", {"deviceName": device_name, "platform": platform, **extra}
        )
        assert response.status_code == 201, response.content
        self.started = response.json()
        return self.started

    @property
    def browser_path(self) -> str:
        """The path of ``browserUrl`` (the test client talks to the app directly)."""
        return re.sub(r"^https?://[^/]+", "", self.started["browserUrl"])

    def poll(self):
        response = self.post(
            "/agents/token",
            {"handoffId": self.started["handoffId"], "pollSecret": self.started["pollSecret"]},
        )
        if response.status_code == 200:
            self.token = response.json()["agentToken"]
        return response

    def me(self, token: str | None = None):
        return self.client.get(
            f"{API}/agents/me", headers={"Authorization": f"Bearer {token or self.token}"}
        )


@pytest.fixture
def agent() -> Agent:
    return Agent()


def approve_in_browser(browser: Client, agent: Agent, *, decision: str = "approve"):
    """Show the approval page in ``browser`` (signed in) and post the decision; return the final response."""
    page = browser.get(agent.browser_path)
    assert page.status_code == 200, page.content[:500]
    return browser.post(
        agent.browser_path, {"decision": decision, "user_code": agent.started["userCode"]}
    )


def password_browser(user, password: str) -> Client:
    """A browser signed in through /login with a password."""
    browser = Client()
    response = browser.post(
        "/login",
        {"step": "password", "username": user.username, "password": password, "next": "/console/"},
    )
    assert response.status_code == 302, response.content[:500]
    return browser


@pytest.fixture
def provider(tenant):
    """The tutorial's provider, trusting the test IdP key "idp-a"."""
    return signin_helpers.make_provider(tenant)


@pytest.fixture
def sso_org(make_org, provider):
    org = make_org("Test")
    signin_helpers.use_provider(org, provider)
    return org


@pytest.fixture
def sso_user(make_user, sso_org):
    """A user of the SSO org, without a password (SSO users need none)."""
    return make_user(
        "Ada.Lovelace@example.org",
        org=sso_org,
        password=None,
        first_name="Ada",
        last_name="Lovelace",
    )


def sso_sign_in(browser: Client, tenant, user, next_path: str, **answer_options):
    """Walk /login → (simulated IdP) → ACS in ``browser`` and return the ACS's response."""
    started = signin_helpers.parse_redirect(
        browser.get("/login", {"username": user.username, "next": next_path})["Location"]
    )
    value = signin_helpers.answer(tenant, started["id"], user.username, **answer_options)
    return browser.post(
        f"/sso/{tenant.id}/acs", {"SAMLResponse": value, "RelayState": started["relay_state"]}
    )
