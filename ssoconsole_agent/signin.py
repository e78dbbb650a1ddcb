"""``login``: the browser sign-in of docs/agents.md, from the agent's side.

Start a hand-off, show the tutorial's sentence with the link and the code,
open the system browser, then poll at the interval the server asks for,
widening it when the server answers ``slow_down`` (RFC 8628 section 3.5),
until the user approves or denies in the browser or the sign-in expires.
"""

from __future__ import annotations

import getpass
import platform
import socket
import time
import webbrowser
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from ssoconsole_agent import __version__, config
from ssoconsole_agent.errors import ServerUnreachable, SignInFailed
from ssoconsole_agent.progress import Waiting
from ssoconsole_agent.server import Server, plain

# The tutorial's "What to expect": the sentence an agent shows while the user signs in.
SENTENCE = (
    "To complete the sign in process, go to your web browser. "
    "This screen updates automatically once login is successful."
)
DEVICE_NAME_MAX = 64  # docs/agents.md: the server refuses longer names (the approval page shows it)
DEFAULT_INTERVAL = 5  # RFC 8628 section 3.2, when a server sends none
SLOW_DOWN_STEP = 5
MAX_INTERVAL = 60
# The agent stops waiting a little after the server's expiry even if the server never says so.
EXPIRY_GRACE_SECONDS = 60
LOGIN_AGAIN = "Run `ssoconsole-agent login --server {server}` to start again."


@dataclass
class Environment:
    """What ``login`` touches outside itself; tests replace the clock, the sleep and the browser."""

    out: object
    err: object
    sleep: object = time.sleep
    monotonic: object = time.monotonic
    open_browser: object = webbrowser.open
    interactive: bool | None = None


def default_device_name() -> str:
    name = socket.gethostname() or f"{getpass.getuser()}'s computer"
    return name[:DEVICE_NAME_MAX]


def this_platform() -> str:
    """The operating system as people name it: "Debian GNU/Linux 12 (bookworm)", "macOS 15.1", "Windows 11"."""
    system = platform.system()
    name = f"{system} {platform.release()}"
    if system == "Darwin" and platform.mac_ver()[0]:
        name = f"macOS {platform.mac_ver()[0]}"
    elif system == "Linux":
        try:
            name = platform.freedesktop_os_release().get("PRETTY_NAME") or name
        except OSError:  # no /etc/os-release: keep the kernel's name
            pass
    return " ".join(name.split())[:50]


def login(
    server: Server, device_name: str, env: Environment, *, open_browser: bool = True
) -> config.Credentials:
    """Sign this agent in through the browser; return the credentials (the caller stores them)."""
    started = server.call(
        "POST",
        "/api/v1/agents/sign-in",
        {
            "deviceName": device_name,
            "platform": this_platform(),
            "agentVersion": f"ssoconsole-agent {__version__}",
        },
    )
    if started.status != 201:
        raise server.refusal(started, "start a sign-in")
    try:
        handoff = {
            "handoffId": str(started.body["handoffId"]),
            "pollSecret": str(started.body["pollSecret"]),
        }
        browser_url = plain(started.body["browserUrl"], 2000)
        user_code = plain(started.body["userCode"], 20)
        interval = _interval(started.body.get("interval"), DEFAULT_INTERVAL)
        expires_in = int(started.body.get("expiresIn") or 600)
    except (KeyError, TypeError, ValueError):
        raise server.refusal(started, "start a sign-in") from None
    if urlsplit(browser_url).scheme not in ("http", "https"):
        raise SignInFailed(
            f"The server sent a sign-in link that is not a web address. {LOGIN_AGAIN.format(server=server.base_url)}"
        )

    out = env.out
    out.write(f"{SENTENCE}\n\n")
    out.write(f"  Sign-in page: {browser_url}\n")
    out.write(f"  Code:         {user_code}   (type this code on the sign-in page)\n\n")
    out.flush()
    if open_browser and not _open(env, browser_url):
        out.write(
            "No web browser could be opened here: open the sign-in page above in any browser.\n\n"
        )
        out.flush()

    waiting = Waiting(
        env.err, sleep=env.sleep, monotonic=env.monotonic, interactive=env.interactive
    )
    deadline = env.monotonic() + expires_in
    try:
        return _poll(server, handoff, interval, deadline, waiting, device_name)
    finally:
        waiting.done()


def _open(env: Environment, url: str) -> bool:
    try:
        return bool(env.open_browser(url))
    except (webbrowser.Error, OSError):  # no usable browser on this computer
        return False


def _interval(value, fallback: int) -> int:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return fallback
    return min(max(seconds, 1), MAX_INTERVAL)


def _poll(
    server: Server,
    handoff: dict,
    interval: int,
    deadline: float,
    waiting: Waiting,
    device_name: str,
):
    again = LOGIN_AGAIN.format(server=server.base_url)
    while True:
        if waiting.monotonic() > deadline + EXPIRY_GRACE_SECONDS:
            raise SignInFailed(
                f"The sign-in expired: nobody approved it in the browser in time. {again}"
            )
        waiting.wait(interval, deadline)
        try:
            answer = server.call("POST", "/api/v1/agents/token", handoff)
        except ServerUnreachable as exc:
            waiting.note(f"{exc.message} Still trying until the sign-in expires.")
            continue
        status = answer.body.get("status")
        details = answer.error.get("details") or {}
        if answer.status == 200 and status == "approved":
            return _credentials(server, answer.body, device_name)
        if status == "pending":
            interval = _interval(details.get("interval"), interval)
            continue
        if status == "slow_down":
            interval = _interval(details.get("interval"), interval + SLOW_DOWN_STEP)
            waiting.note(
                f"The server asked the agent to check less often: every {interval} seconds now."
            )
            continue
        message = plain(answer.error.get("message", ""), 500)
        if status == "denied":
            raise SignInFailed(f"The sign-in was denied in the browser. {again}")
        if status == "expired":
            raise SignInFailed(
                f"The sign-in expired before it was approved in the browser (it is valid for 10 minutes). {again}"
            )
        if status in ("used", "unknown"):
            raise SignInFailed(f"The server ended this sign-in: {message} {again}")
        raise server.refusal(answer, "complete the sign-in")


def _credentials(server: Server, body: dict, device_name: str) -> config.Credentials:
    user = body.get("user") or {}
    return config.Credentials(
        server=server.base_url,
        agent_id=str(body["agentId"]),
        agent_token=str(body["agentToken"]),
        username=plain(user.get("username", ""), 254),
        tenant_id=str(user.get("tenantId", "")),
        device_name=device_name,
        signed_in_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
    )
