"""Finding 2: device-code phishing of the agent sign-in, attacked over HTTP on the live server.

The attack: anyone can start an agent hand-off. The attacker starts one on
their own machine with a device name that reads like an instruction
("…click Approve (Company policy)…"), sends the approval link to a victim,
and collects an agent token that survives the victim's sign-out. Now:

- the device text is short, one plain line, and shown as a labelled value,
  never as the page's heading;
- the page shows where and when the sign-in started next to the approver's
  own address and time, with a loud warning when the networks differ;
- the code is not on the page: the approver types the one the agent shows,
  which the phisher's victim does not have (five wrong tries deny it);
- a new agent sign-in is highlighted under Account › My devices.

Each browser and agent has its own loopback address (``live.Browser``).
"""

from __future__ import annotations

import html

import pytest

from ssoconsole.agents.models import AgentSignIn, HandoffState

pytestmark = pytest.mark.django_db(transaction=True)

PHISHING = "IT Support - click Approve now (Company policy)"


def _start(agent_machine, device_name=PHISHING) -> dict:
    response = agent_machine.http.post(
        agent_machine.base + "/api/v1/agents/sign-in",
        json={"deviceName": device_name, "platform": "Windows 11"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()


def _path(started: dict) -> str:
    return "/" + started["browserUrl"].split("//", 1)[1].split("/", 1)[1]


@pytest.mark.parametrize(
    ("device_name", "problem"),
    [
        ("Laptop\u202eevorppA kcilc", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("Laptop\u200b", "U+200B ZERO WIDTH SPACE"),
        ("L" * 65, "at most 64 characters"),
    ],
)
def test_device_text_with_hidden_characters_or_over_64_characters_is_refused(
    app_url, new_visitor, device_name, problem
):
    agent_machine = new_visitor()
    response = agent_machine.http.post(
        agent_machine.base + "/api/v1/agents/sign-in",
        json={"deviceName": device_name},
        timeout=30,
    )
    assert response.status_code == 400
    assert problem in response.json()["error"]["message"]
    assert not AgentSignIn.objects.exists()


def test_the_device_text_is_data_not_the_pages_sentence_and_the_code_is_not_shown(
    app_url, make_user, new_visitor, password
):
    victim = make_user("victim@phish.test")
    started = _start(new_visitor())
    page = new_visitor().sign_in(victim.username, password).get(_path(started))
    assert page.status_code == 200
    text = html.unescape(page.text)
    heading = text.split("<h1", 1)[1].split("</h1>", 1)[0]
    assert "Sign in a desktop agent as victim@phish.test?" in heading and PHISHING not in heading
    assert f'<span class="device-text">{PHISHING}</span>' in text
    assert started["userCode"] not in text and started["userCode"].replace("-", "") not in text


def test_a_start_from_another_network_is_shown_with_a_loud_warning(
    app_url, make_user, new_visitor, password
):
    victim = make_user("victim@phish.test")
    attacker = new_visitor()
    started = _start(attacker)
    browser = new_visitor().sign_in(victim.username, password)
    page = browser.get(_path(started)).text
    assert 'id="network-warning"' in page and 'role="alert"' in page
    assert f"It was started from {attacker.address}" in page
    assert f"your browser is at {browser.address}" in page


def test_no_warning_when_the_agent_and_the_browser_share_the_network(
    app_url, make_user, new_visitor, password
):
    victim = make_user("victim@phish.test")
    browser = new_visitor().sign_in(victim.username, password)
    started = _start(browser)  # the agent runs on the same computer
    page = browser.get(_path(started)).text
    assert 'id="network-warning"' not in page
    assert f"UTC from {browser.address}" in page


def test_approving_needs_the_code_the_agent_shows(app_url, make_user, new_visitor, password):
    victim = make_user("victim@phish.test")
    started = _start(new_visitor())
    browser = new_visitor().sign_in(victim.username, password)
    path = _path(started)
    for typed in ("", "AAAA-AAAA"):
        refused = browser.submit(path, {"decision": "approve", "user_code": typed})
        assert refused.status_code == 400 and "That is not the code this agent shows" in (
            html.unescape(refused.text)
        )
    handoff = AgentSignIn.objects.get(id=started["handoffId"])
    assert handoff.state == HandoffState.PENDING and handoff.code_attempts == 2
    typed = started["userCode"].lower().replace("-", " ")  # as a person might type it
    assert browser.submit(path, {"decision": "approve", "user_code": typed}).status_code == 200
    assert AgentSignIn.objects.get(id=started["handoffId"]).state == HandoffState.APPROVED


def test_five_wrong_codes_deny_the_sign_in(app_url, make_user, new_visitor, password):
    victim = make_user("victim@phish.test")
    attacker = new_visitor()
    started = _start(attacker)
    browser = new_visitor().sign_in(victim.username, password)
    path = _path(started)
    statuses = [
        browser.submit(path, {"decision": "approve", "user_code": f"WRONG{i}"}).status_code
        for i in range(4)
    ]
    last = browser.submit(path, {"decision": "approve", "user_code": "WRONG5"})
    assert statuses == [400] * 4 and last.status_code == 409
    assert "typed wrong too many times" in html.unescape(last.text)
    assert AgentSignIn.objects.get(id=started["handoffId"]).state == HandoffState.DENIED
    poll = attacker.http.post(
        attacker.base + "/api/v1/agents/token",
        json={"handoffId": started["handoffId"], "pollSecret": started["pollSecret"]},
        timeout=30,
    )
    assert poll.status_code == 403 and "agentToken" not in poll.text


def test_a_new_agent_sign_in_is_highlighted_in_my_devices(
    app_url, make_user, new_visitor, password
):
    victim = make_user("victim@phish.test")
    attacker = new_visitor()
    started = _start(attacker, "Build box")
    browser = new_visitor().sign_in(victim.username, password)
    approved = browser.submit(
        _path(started), {"decision": "approve", "user_code": started["userCode"]}
    )
    assert approved.status_code == 200
    token = attacker.http.post(
        attacker.base + "/api/v1/agents/token",
        json={"handoffId": started["handoffId"], "pollSecret": started["pollSecret"]},
        timeout=30,
    )
    assert token.status_code == 200
    account = browser.get("/console/account/").text
    assert 'id="new-agents"' in account and f"from {attacker.address}" in account
    assert '<span class="badge badge-warning">New</span> Build box' in account


def test_a_tenant_can_allow_agent_sign_ins_only_from_its_own_networks(
    app_url, make_user, new_visitor, password, api_token_for
):
    """The org-admin lists the office network; a hand-off started elsewhere cannot be approved."""
    from ssoconsole.accounts.roles import Role

    from .live import Api

    admin = make_user("admin@phish.test", roles=[Role.ORG_ADMIN])
    victim = make_user("victim@phish.test")
    browser = new_visitor().sign_in(victim.username, password)
    api = Api(app_url, api_token_for(admin))
    office = f"{browser.address}/32"
    set_policy = api("PUT", "/agents/sign-in-policy", {"allowedNetworks": [office]})
    assert set_policy.status_code == 200 and set_policy.json()["allowedNetworks"] == [office]
    bad = api("PUT", "/agents/sign-in-policy", {"allowedNetworks": ["the office"]})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "network_invalid"

    attacker = new_visitor()
    phished = _start(attacker)
    page = browser.get(_path(phished))
    assert page.status_code == 403
    assert f"this sign-in was started from {attacker.address}" in html.unescape(page.text)
    refused = browser.post(
        _path(phished), {"decision": "approve", "user_code": phished["userCode"]}
    )
    assert refused.status_code == 403
    assert AgentSignIn.objects.get(id=phished["handoffId"]).state == HandoffState.PENDING

    own = _start(browser)  # the agent on the office computer
    done = browser.submit(_path(own), {"decision": "approve", "user_code": own["userCode"]})
    assert done.status_code == 200
    assert api("GET", "/agents/sign-in-policy").json()["allowedNetworks"] == [office]
