"""Where the agent keeps its credentials: the user's configuration directory, readable by the user only.

``$XDG_CONFIG_HOME/ssoconsole-agent/credentials.json`` (``~/.config/…`` when
the variable is unset; ``%APPDATA%\\ssoconsole-agent\\…`` on Windows). The
file is written with mode 0600 in a directory with mode 0700, replaced
atomically, and refused when someone else could read it, as ssh refuses a
private key with loose permissions: the token in it acts as the user's agent.
A production agent would rather use the operating system's credential store
(docs/agents.md, "Security notes").
"""

from __future__ import annotations

import json
import os
import stat
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from ssoconsole_agent.errors import CredentialsProblem

APP_DIR = "ssoconsole-agent"
FILE_NAME = "credentials.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Credentials:
    """What a completed sign-in leaves on disk."""

    server: str
    agent_id: str
    agent_token: str
    username: str
    tenant_id: str
    device_name: str
    signed_in_at: str  # ISO 8601, UTC

    def __repr__(self) -> str:  # never show the token in a traceback or a debugger
        return f"Credentials(server={self.server!r}, username={self.username!r}, agent_id={self.agent_id!r})"


def config_dir(environ=None) -> Path:
    environ = os.environ if environ is None else environ
    if sys.platform == "win32" and environ.get("APPDATA"):
        return Path(environ["APPDATA"]) / APP_DIR
    base = environ.get("XDG_CONFIG_HOME") or ""
    # The XDG spec: a relative value is invalid and must be ignored.
    root = Path(base) if os.path.isabs(base) else Path.home() / ".config"
    return root / APP_DIR


def credentials_path(environ=None) -> Path:
    return config_dir(environ) / FILE_NAME


def save(credentials: Credentials, environ=None) -> Path:
    """Write ``credentials`` with mode 0600 (atomically: a reader never sees half a file)."""
    path = credentials_path(environ)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        os.chmod(path.parent, 0o700)
    body = json.dumps({"version": FORMAT_VERSION, **asdict(credentials)}, indent=2) + "\n"
    temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)  # left by a run that was killed mid-write
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def load(environ=None) -> Credentials | None:
    """Return the stored credentials, ``None`` when there are none; refuse a file others could read."""
    path = credentials_path(environ)
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if os.name == "posix":
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CredentialsProblem(
                f"{path} can be read by other users (mode {stat.S_IMODE(info.st_mode):04o}); "
                "its token acts as this agent, so the agent refuses to use it. "
                f"Run `chmod 600 {path}` if only you could have read it; otherwise run "
                "`ssoconsole-agent logout` and sign in again, since the token may have been copied."
            )
        if info.st_uid != os.geteuid():
            raise CredentialsProblem(
                f"{path} belongs to another user (uid {info.st_uid}). Run the agent as that user, "
                "or delete the file and sign in again."
            )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"format version {data.get('version')!r}")
        return Credentials(**{k: str(data[k]) for k in Credentials.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CredentialsProblem(
            f"{path} cannot be read ({exc.__class__.__name__}). Delete it and run "
            "`ssoconsole-agent login --server URL` again (revoke the old device in the console "
            "under Account › My devices)."
        ) from None


def delete(environ=None) -> bool:
    """Delete the stored credentials; tell whether there were any."""
    try:
        credentials_path(environ).unlink()
    except FileNotFoundError:
        return False
    return True
