"""The tutorial's "What to expect" for agents, end to end: the reference agent, Chromium, the demo, the dev IdP.

The demo is seeded and configured as ``ssoconsole demo --configured`` does it
and served by the live server. The agent runs as its own process (the
installed module, talking HTTP only); its "system browser" is a command that
hands the link to Chromium, driven by Playwright. The user signs in through
the dev IdP and approves; the agent ends signed in and its heartbeats show in
the console. Then the user loses the identity provider (removed from the
app in the dev IdP's admin center, the provider taken off their organization
in the console, both through the pages an administrator uses) and the
heartbeats go on; then an administrator revokes the device in the console and
``run`` stops with the server's reason.

With ``SSOCONSOLE_SCREENSHOTS=1`` the test saves the pages docs/agents.md
shows into ``docs/screenshots/`` (``agent-*.png``).
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from demo.conftest import demo_settings  # noqa: F401 - the fixture: dev IdP mounted as the demo does

from ssoconsole import demo
from ssoconsole.agents.models import Agent
from ssoconsole.core import clock
from ssoconsole.devidp.access import admin_password
from ssoconsole.tenancy import services as tenancy
from ssoconsole.tenancy.models import Organization
from ssoconsole_agent.signin import this_platform

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = (
    "true"  # Playwright's sync API beside the live server's ORM
)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
USER = demo.DEMO_USERS[0][0]  # test.user@demo.example, of the SSO Test Org
SENTENCE = (
    "To complete the sign in process, go to your web browser. "
    "This screen updates automatically once login is successful."
)


def shot(page, name: str) -> None:
    if os.environ.get("SSOCONSOLE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"agent-{name}.png"), full_page=True)


class AgentProcess:
    """``python -m ssoconsole_agent …`` with its output read line by line as it comes."""

    def __init__(self, env: dict, *args: str) -> None:
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ssoconsole_agent", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 30) -> str:
        """Return the first line from now on that matches ``pattern``."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r} in {timeout}s; got: {self.seen[-20:]}")

    def drain(self) -> None:
        """Forget the lines printed so far, so that ``wait_for`` sees only what comes next."""
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())

    def finish(self, timeout: float = 30) -> int:
        """Wait for the process to exit; return its status, with every line it printed in ``seen``."""
        status = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        self.drain()
        return status

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def configured_demo(demo_settings, app_url):  # noqa: F811 - the imported fixture
    info = demo.seed_demo()
    return info, demo.configure_demo(info)


@pytest.fixture
def agent_env(tmp_path) -> tuple[dict, Path]:
    """The agent's environment: its own config directory, and a "browser" that records the link it opens."""
    opened = tmp_path / "opened-url"
    browser = tmp_path / "browser"
    browser.write_text(
        f"#!{sys.executable}\nimport pathlib, sys\npathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n"
    )
    browser.chmod(0o700)
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "BROWSER": str(browser),
        "PYTHONUNBUFFERED": "1",
    }
    return env, opened


@pytest.fixture
def processes():
    started: list[AgentProcess] = []

    def start(env, *args) -> AgentProcess:
        started.append(AgentProcess(env, *args))
        return started[-1]

    yield start
    for process in started:
        process.stop()


def _opened_link(opened: Path, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if opened.exists() and opened.read_text():
            return opened.read_text()
        time.sleep(0.1)
    raise AssertionError("the agent did not open a browser")


def _sign_in_at_dev_idp(page, username: str, password: str) -> None:
    page.fill("#id_username", username)
    page.click("button:has-text('Continue')")
    page.wait_for_url(re.compile(r".*/devidp/.*"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button:has-text('Sign in')")


@pytest.fixture
def new_page(browser):
    """Return a factory of pages, each in its own browser context (its own cookies), closed at the end.

    Closing matters: an open context keeps its connections to the live server, and with them the
    server threads' database connections, alive past the test.
    """
    contexts = []

    def make(width: int = 1280, height: int = 860):
        contexts.append(browser.new_context(viewport={"width": width, "height": height}))
        page = contexts[-1].new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def _admin_page(new_page, base: str, info):
    page = new_page()
    page.goto(f"{base}/login")
    page.fill("#id_username", info.admin_username)
    page.click("button:has-text('Continue')")
    page.fill("#id_password", info.admin_password)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r".*/console/.*"))
    return page


def test_the_agent_signs_in_through_the_idp_keeps_working_without_it_and_stops_when_revoked(
    configured_demo, app_url, new_page, agent_env, processes
):
    info, configured = configured_demo
    env, opened = agent_env
    password = next(c.password for c in info.directory_users if c.upn == USER)

    # The agent starts the sign-in, says the tutorial's sentence and opens the browser.
    login = processes(env, "login", "--server", app_url, "--device", "Test laptop")
    assert login.wait_for(r"^To complete") == SENTENCE
    code = login.wait_for(r"Code:").split()[1]
    link = _opened_link(opened)
    assert link.startswith(f"{app_url}/agents/authorize/")

    # The user, in the browser: the console's login, the dev IdP, back to the approval page.
    page = new_page(1100, 800)
    page.goto(link)
    page.wait_for_url(re.compile(r".*/login\?next=.*"))
    _sign_in_at_dev_idp(page, USER, password)
    page.wait_for_url(link)
    assert page.locator("h1").inner_text() == f"Sign in a desktop agent as {USER}?"
    assert "Test laptop" in page.inner_text("main") and this_platform() in page.inner_text("main")
    page.fill("#user_code", code)  # the person types the code the agent printed
    shot(page, "approval")
    page.click("#approve")
    page.wait_for_selector("text=You can close this window.")

    login.wait_for(rf"^Signed in as {re.escape(USER)} on {re.escape(app_url)}$")
    assert login.finish() == 0

    # Heartbeats, and the console shows them.
    run = processes(env, "run", "--interval", "1")
    run.wait_for("heartbeat accepted")
    run.wait_for("heartbeat accepted")
    admin = _admin_page(new_page, app_url, info)
    admin.goto(f"{app_url}/console/agents/")
    row = admin.locator("tr", has_text="Test laptop")
    assert USER in row.inner_text() and "Simulated backup:" in row.inner_text()
    assert "Idle" in row.inner_text()
    shot(admin, "console")

    # The user loses the identity provider. At the dev IdP, its administrator requires assignment
    # and removes the user from the app: the IdP now refuses them (AADSTS50105)...
    idp = new_page()
    idp.goto(f"{app_url}/devidp/portal/{info.directory.id}/apps/{configured.app.id}/properties")
    idp.fill("input[name=password]", admin_password())
    idp.click("button:has-text('Sign in')")
    idp.check("input[name=assignment_required][value=yes]")
    idp.click("button:has-text('Save')")
    idp.click("nav[aria-label=Manage] >> text=Users and groups")
    idp.click(f"tr:has-text('{USER}') >> button:has-text('Remove')")
    refused = new_page()
    refused.goto(f"{app_url}/login")
    _sign_in_at_dev_idp(refused, USER, password)
    refused.wait_for_selector(".aadsts")
    assert "AADSTS50105" in refused.inner_text(".aadsts")
    # ...and in the console, the provider is taken off the user's organization.
    test_org = Organization.objects.get(tenant=info.tenant, name=demo.TEST_ORG)
    admin.click("nav[aria-label=Console] >> text=Identity Management")
    admin.click(f"table.provider-list >> text={demo.DEMO_PROVIDER_NAME}")
    admin.click("a[aria-label='Edit Organizations in use']")
    admin.uncheck(f"#use-{test_org.id}")
    admin.click("button:has-text('Save')")
    assert admin.inner_text("#orgs-in-use-count").strip() == "1"  # Production only
    assert not tenancy.effective_sso_of(test_org).uses_sso
    page.goto(f"{app_url}/logout")
    page.click("main button[type=submit]")
    page.goto(f"{app_url}/login")
    page.fill("#id_username", USER)
    page.click("button:has-text('Continue')")
    page.wait_for_selector("#id_password")  # no identity provider any more, and no password
    assert "/devidp/" not in page.url
    cut_at = clock.now()
    run.drain()

    # ...and the agent continues to back up.
    for _ in range(3):
        run.wait_for("heartbeat accepted")
    assert Agent.objects.get(name="Test laptop").last_heartbeat_at > cut_at
    admin.goto(f"{app_url}/console/agents/")
    assert "Simulated backup:" in admin.locator("tr", has_text="Test laptop").inner_text()

    # An administrator revokes the device; `run` stops with the server's reason.
    admin.locator("tr", has_text="Test laptop").locator("button:has-text('Revoke')").click()
    admin.click("#confirm-revoke")
    admin.wait_for_selector("text=revoked")
    line = run.wait_for(r"revoked")
    assert f"by {info.admin_username}" in line
    run.wait_for("The agent stopped and forgot its token")
    assert run.finish() == 3
    assert not (Path(env["XDG_CONFIG_HOME"]) / "ssoconsole-agent" / "credentials.json").exists()
