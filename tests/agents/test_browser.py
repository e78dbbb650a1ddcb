"""A simulated agent signs in through Chromium: start, browser sign-in with a password, approve, poll, token.

The agent is a plain HTTP client in the test, talking to the live server the
way a desktop agent would; the browser is Debian's chromium through Playwright.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request

import pytest

from ssoconsole.accounts import services as accounts
from ssoconsole.tenancy import services as tenancy

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"


class HttpAgent:
    """An agent that knows only the server's base URL."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def call(
        self, method: str, path: str, body: dict | None = None, token: str | None = None
    ) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def poll_until_done(self, started: dict, *, timeout: float = 30) -> tuple[int, dict]:
        """Poll (faster than ``interval``, to keep the test short) until the sign-in is decided.

        ``slow_down`` answers to the fast polls are part of the protocol: the
        agent keeps polling, as a real one would after widening its interval.
        """
        deadline = time.monotonic() + timeout
        body = {"handoffId": started["handoffId"], "pollSecret": started["pollSecret"]}
        while True:
            status, answer = self.call("POST", "/api/v1/agents/token", body)
            if answer.get("status") not in ("pending", "slow_down") or time.monotonic() > deadline:
                return status, answer
            time.sleep(0.2)


def test_an_agent_signs_in_through_the_browser_with_a_password(page, app_url):
    tenant = tenancy.create_tenant("Acme Corporation")
    accounts.create_user(
        tenant, "pat@acme.example", org=tenancy.top_org(tenant), first_name="Pat", password=PASSWORD
    )
    agent = HttpAgent(app_url)

    status, started = agent.call(
        "POST", "/api/v1/agents/sign-in", {"deviceName": "Pat's <laptop>", "platform": "Windows 11"}
    )
    assert status == 201 and started["browserUrl"].startswith(app_url + "/agents/authorize/")
    assert (
        agent.call(
            "POST",
            "/api/v1/agents/token",
            {"handoffId": started["handoffId"], "pollSecret": started["pollSecret"]},
        )[1]["status"]
        == "pending"
    )

    page.goto(started["browserUrl"])
    page.wait_for_url("**/login?next=*")
    page.fill("#id_username", "pat@acme.example")
    page.click("button[type=submit]")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(started["browserUrl"])
    assert page.locator("h1").inner_text() == "Sign in a desktop agent as pat@acme.example?"
    assert "Pat's <laptop>" in page.inner_text("main"), "the device name is shown as data"
    assert started["userCode"] not in page.inner_text("main"), "the person types it instead"

    page.fill("#user_code", started["userCode"].lower().replace("-", " "))
    page.click("#approve")
    page.wait_for_selector("text=You can close this window.")
    assert "The agent can continue" in page.inner_text("main")

    status, issued = agent.poll_until_done(started)
    assert status == 200, issued
    assert issued["user"] == {"username": "pat@acme.example", "tenantId": str(tenant.id)}
    status, me = agent.call("GET", "/api/v1/agents/me", token=issued["agentToken"])
    assert status == 200 and me["name"] == "Pat's <laptop>"
    assert agent.poll_until_done(started)[1]["error"]["code"] == "already_used"

    # The user signs out of the console: the agent keeps working.
    page.goto(app_url + "/logout")
    page.click("main button[type=submit]")
    page.wait_for_url("**/signed-out")
    assert agent.call("GET", "/api/v1/agents/me", token=issued["agentToken"])[0] == 200
