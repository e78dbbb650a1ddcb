"""``ssoconsole-agent``: login, status, run and logout of the reference agent.

Exit statuses: 0 done; 1 failed (network, server, sign-in denied or expired,
credentials); 2 wrong usage; 3 the server no longer accepts the agent's token
(revoked, unknown, user deactivated); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from ssoconsole_agent import __version__, config, signin, work
from ssoconsole_agent.errors import INTERRUPTED, AgentError, CredentialsProblem, TokenStopped
from ssoconsole_agent.server import Server, plain

NOT_SIGNED_IN = "Not signed in. Run `ssoconsole-agent login --server URL` first."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ssoconsole-agent",
        description="Reference desktop agent of ssoconsole: signs in through the browser, then "
        "reports a simulated backup status with its own token (docs/agents.md).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    # Every command talks to the server, so each takes --ca-file.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--ca-file",
        metavar="PATH",
        help="CA certificates (PEM) to trust for the server, for a private certificate authority",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    login = commands.add_parser(
        "login", parents=[common], help="sign this agent in through the browser"
    )
    login.add_argument(
        "--server",
        required=True,
        metavar="URL",
        help="the console's address, e.g. https://console.example.com",
    )
    login.add_argument(
        "--device",
        metavar="NAME",
        help="the name the approval page shows (default: this computer's name)",
    )
    login.add_argument(
        "--no-browser",
        action="store_true",
        help="only print the sign-in page's address (e.g. over SSH)",
    )
    commands.add_parser(
        "status",
        parents=[common],
        help="who the agent is signed in as, and whether its token still works",
    )
    run = commands.add_parser(
        "run", parents=[common], help="back up (simulated) and send a heartbeat every few seconds"
    )
    run.add_argument(
        "--interval",
        type=_seconds,
        default=60,
        metavar="S",
        help="seconds between heartbeats (1-3600, default 60)",
    )
    run.add_argument(
        "--count",
        type=_rounds,
        default=0,
        metavar="N",
        help="stop after N rounds (default: until stopped)",
    )
    commands.add_parser(
        "logout",
        parents=[common],
        help="revoke this agent's token at the server and delete it here",
    )
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 1 <= value <= 3600:
        raise argparse.ArgumentTypeError("give between 1 and 3600 seconds")
    return value


def _rounds(text: str) -> int:
    if not text.isdigit() or int(text) > 1_000_000:
        raise argparse.ArgumentTypeError("give a whole number from 0 to 1000000")
    return int(text)


def main(argv=None, *, env: signin.Environment | None = None, environ=None) -> int:
    """Run one command; return the exit status. ``env`` and ``environ`` let tests replace the world."""
    env = env or signin.Environment(out=sys.stdout, err=sys.stderr)
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args, env, environ)
    except TokenStopped as exc:
        env.err.write(f"{exc.message}\n")
        if exc.code == "user_inactive":
            env.err.write(
                "The agent stopped; its sign-in is kept and works again once the user is reactivated.\n"
            )
        else:
            config.delete(environ)
            env.err.write(
                "The agent stopped and forgot its token. Sign it in again with `ssoconsole-agent login --server URL`.\n"
            )
        return exc.exit_status
    except AgentError as exc:
        env.err.write(f"{exc.message}\n")
        return exc.exit_status
    except KeyboardInterrupt:
        env.err.write("\nStopped.\n")
        return INTERRUPTED


def _signed_in(environ) -> config.Credentials:
    credentials = config.load(environ)
    if credentials is None:
        raise CredentialsProblem(NOT_SIGNED_IN)
    return credentials


def cmd_login(args, env, environ) -> int:
    existing = config.load(environ)
    if existing is not None and not _forget_if_stopped(existing, args, env, environ):
        raise AgentError(
            f"Already signed in as {existing.username} on {existing.server}. Run "
            "`ssoconsole-agent logout` first to sign in again (`status` checks the current sign-in)."
        )
    server = Server(args.server, ca_file=args.ca_file)
    device = " ".join((args.device or signin.default_device_name()).split())
    if not device or len(device) > signin.DEVICE_NAME_MAX:
        raise AgentError(
            f"Give the device a name of 1 to {signin.DEVICE_NAME_MAX} characters with --device "
            "NAME: the approval page shows it to the person who approves."
        )
    credentials = signin.login(server, device, env, open_browser=not args.no_browser)
    path = config.save(credentials, environ)
    env.out.write(f"Signed in as {credentials.username} on {credentials.server}\n")
    env.out.write(f"The agent's token is in {path} (readable by you only).\n")
    env.out.flush()
    return 0


def _forget_if_stopped(existing: config.Credentials, args, env, environ) -> bool:
    """Tell whether the stored sign-in was revoked or is unknown at its server (and forget it if so).

    Signing in again after an administrator revoked the agent then needs no
    ``logout`` first. A sign-in that still works, or that cannot be checked, is kept.
    """
    try:
        server = Server(existing.server, ca_file=args.ca_file)
        answer = server.call("GET", "/api/v1/agents/me", token=existing.agent_token)
    except AgentError:
        return False
    if answer.status != 401:
        return False
    refusal = server.refusal(answer, "accept the agent's token")
    if not isinstance(refusal, TokenStopped) or refusal.code not in (
        "agent_revoked",
        "invalid_token",
    ):
        return False
    config.delete(environ)
    env.err.write(f"The stored sign-in no longer works: {refusal.message} It was forgotten.\n")
    return True


def cmd_status(args, env, environ) -> int:
    credentials = _signed_in(environ)
    out = env.out
    out.write(f"Signed in as {credentials.username} on {credentials.server}\n")
    out.write(f"  Device:       {credentials.device_name} (agent {credentials.agent_id})\n")
    out.write(f"  Since:        {_when(credentials.signed_in_at)}\n")
    server = Server(credentials.server, ca_file=args.ca_file)
    answer = server.call("GET", "/api/v1/agents/me", token=credentials.agent_token)
    if answer.status != 200:
        raise server.refusal(answer, "accept the agent's token")
    me = answer.body
    last = me.get("lastStatus") or {}
    out.write("  Token:        works (checked just now)\n")
    out.write(f"  Last contact: {_when(me.get('lastSeenAt'))}\n")
    if last.get("reportedAt"):
        size = last.get("lastBackupBytes")
        backup = (
            f", last backup {_when(last.get('lastBackupAt'))}" if last.get("lastBackupAt") else ""
        )
        backup += f", {work.human_size(size)}" if isinstance(size, int) else ""
        out.write(
            f"  Last status:  {plain(last.get('state'), 20)}{backup} (reported {_when(last['reportedAt'])})\n"
        )
    else:
        out.write("  Last status:  no heartbeat yet (`ssoconsole-agent run` sends them)\n")
    out.flush()
    return 0


def cmd_run(args, env, environ) -> int:
    credentials = _signed_in(environ)
    server = Server(credentials.server, ca_file=args.ca_file)
    work.run(
        server, credentials, env.out, interval=args.interval, count=args.count, sleep=env.sleep
    )
    return 0


def cmd_logout(args, env, environ) -> int:
    credentials = config.load(environ)
    if credentials is None:
        env.out.write("Not signed in; nothing to do.\n")
        return 0
    server = Server(credentials.server, ca_file=args.ca_file)
    answer = server.call("DELETE", "/api/v1/agents/me", token=credentials.agent_token)
    if answer.status == 204:
        done = f"the agent's token is revoked on {credentials.server}"
    else:
        refusal = server.refusal(answer, "sign the agent out")
        if not isinstance(refusal, TokenStopped):
            raise refusal  # the token may still work: keep it, so that logout can be tried again
        done = f"the server had already stopped the agent's token ({refusal.code})"
    config.delete(environ)
    env.out.write(
        f"Signed out as {credentials.username}: {done}, and the stored sign-in is deleted.\n"
    )
    return 0


def _when(value) -> str:
    """An ISO 8601 time from the server or the file, shown in UTC to the second."""
    if not value:
        return "never"
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)[:40]
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


COMMANDS = {"login": cmd_login, "status": cmd_status, "run": cmd_run, "logout": cmd_logout}
