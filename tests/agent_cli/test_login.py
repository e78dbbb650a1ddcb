"""``ssoconsole-agent login`` against the real server: the sentence, the link, the polling, the outcomes."""

from __future__ import annotations

import json
import os
import socket
import stat

import pytest

from ssoconsole.agents.models import Agent as AgentRecord
from ssoconsole_agent import config
from ssoconsole_agent.signin import SENTENCE

from .conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)

TUTORIAL_SENTENCE = (
    "To complete the sign in process, go to your web browser. "
    "This screen updates automatically once login is successful."
)


def test_login_prints_the_tutorials_sentence_opens_the_browser_and_ends_signed_in(
    agent_world, app_url, plain_user
):
    outcome = signed_in(agent_world, app_url, plain_user, "--device", "Ada's laptop")
    assert SENTENCE == TUTORIAL_SENTENCE
    assert outcome.out.startswith(TUTORIAL_SENTENCE + "\n")
    assert agent_world.opened == [agent_world.opened[0]]
    assert agent_world.opened[0].startswith(app_url + "/agents/authorize/")
    assert agent_world.opened[0] in outcome.out
    code = AgentRecord.objects.get().sign_in.user_code
    assert f"Code:         {code}" in outcome.out
    assert f"Signed in as {plain_user.username} on {app_url}\n" in outcome.out
    assert "Waiting for approval in the browser" in outcome.err
    agent = AgentRecord.objects.get()
    assert (agent.name, agent.user_id) == ("Ada's laptop", plain_user.id)
    assert agent.agent_version.startswith("ssoconsole-agent ")


def test_it_polls_at_the_servers_interval(agent_world, app_url, plain_user):
    agent_world.on_sleep += [lambda: None, lambda: agent_world.decide(plain_user)]
    assert agent_world.run("login", "--server", app_url).status == 0
    assert agent_world.slept == [5, 5]  # one pending answer, then the token


def test_credentials_are_stored_for_the_user_only(agent_world, app_url, plain_user):
    outcome = signed_in(agent_world, app_url, plain_user)
    path = config.credentials_path(agent_world.environ)
    assert str(path) in outcome.out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stored = json.loads(path.read_text())
    assert stored["username"] == plain_user.username and stored["server"] == app_url
    assert stored["agent_token"].startswith("ssoa_")
    assert stored["agent_token"] not in outcome.out + outcome.err
    assert stored["agent_token"] not in repr(config.load(agent_world.environ))


def test_a_credentials_file_others_can_read_is_refused_with_the_fix(
    agent_world, app_url, plain_user
):
    signed_in(agent_world, app_url, plain_user)
    path = config.credentials_path(agent_world.environ)
    os.chmod(path, 0o644)
    outcome = agent_world.run("status")
    assert outcome.status == 1
    assert "can be read by other users (mode 0644)" in outcome.err
    assert f"chmod 600 {path}" in outcome.err


def test_login_when_already_signed_in_says_how_to_sign_in_again(agent_world, app_url, plain_user):
    signed_in(agent_world, app_url, plain_user)
    outcome = agent_world.run("login", "--server", app_url)
    assert outcome.status == 1
    assert f"Already signed in as {plain_user.username}" in outcome.err
    assert "ssoconsole-agent logout" in outcome.err
    assert AgentRecord.objects.count() == 1


def test_a_denied_sign_in_says_so_and_stores_nothing(agent_world, app_url, plain_user):
    agent_world.on_sleep.append(lambda: agent_world.decide(plain_user, approve=False))
    outcome = agent_world.run("login", "--server", app_url)
    assert outcome.status == 1
    assert "The sign-in was denied in the browser." in outcome.err
    assert f"ssoconsole-agent login --server {app_url}" in outcome.err
    assert config.load(agent_world.environ) is None


def test_a_sign_in_nobody_approves_expires_after_ten_minutes(agent_world, app_url):
    outcome = agent_world.run("login", "--server", app_url)
    assert outcome.status == 1
    assert "The sign-in expired before it was approved in the browser" in outcome.err
    assert 595 <= sum(agent_world.slept) <= 610
    assert config.load(agent_world.environ) is None


def test_slow_down_makes_the_agent_poll_less_often_from_then_on(agent_world, app_url, plain_user):
    """The second wait is cut short (a laptop waking from sleep, say): the server answers slow_down."""

    def share(value):
        return lambda: setattr(agent_world, "sleep_share", value)

    agent_world.on_sleep += [
        share(0.5),
        share(1.0),
        lambda: None,
        lambda: agent_world.decide(plain_user),
    ]
    outcome = agent_world.run("login", "--server", app_url)
    assert outcome.status == 0, outcome
    assert agent_world.slept == [5, 5, 10, 10]
    assert "check less often: every 10 seconds now" in outcome.err


def test_without_a_browser_it_says_to_open_the_link_by_hand(agent_world, app_url, plain_user):
    agent_world.open_result = False
    outcome = signed_in(agent_world, app_url, plain_user)
    assert "No web browser could be opened here" in outcome.out


def test_no_browser_only_prints_the_link(agent_world, app_url, plain_user):
    outcome = signed_in(agent_world, app_url, plain_user, "--no-browser")
    assert agent_world.opened == []
    assert "/agents/authorize/" in outcome.out


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_server_that_is_down_is_named_with_what_to_check(agent_world):
    server = f"http://127.0.0.1:{_closed_port()}"
    outcome = agent_world.run("login", "--server", server)
    assert outcome.status == 1
    assert f"Cannot reach {server}: the connection was refused" in outcome.err
    assert "server is running" in outcome.err


def test_a_wrong_server_url_says_it_is_not_an_ssoconsole_server(agent_world, app_url):
    outcome = agent_world.run("login", "--server", app_url + "/console")
    assert outcome.status == 1
    assert "not the way an ssoconsole server does" in outcome.err
    assert "without /console or /login" in outcome.err


@pytest.mark.parametrize(
    ("server", "says"),
    [
        ("http://console.example.com", "Use https:// for console.example.com"),
        ("console.example.com", "is not a web address"),
        ("https://console.example.com/?tenant=1", "carries a user name, a query or a fragment"),
    ],
)
def test_addresses_that_would_leak_or_cannot_work_are_refused_before_any_traffic(
    agent_world, server, says
):
    outcome = agent_world.run("login", "--server", server)
    assert outcome.status == 1 and says in outcome.err


def test_a_device_name_the_server_would_refuse_is_refused_before_any_traffic(agent_world):
    outcome = agent_world.run("login", "--server", "http://127.0.0.1:9", "--device", "x" * 65)
    assert outcome.status == 1
    assert "1 to 64 characters with --device NAME" in outcome.err
