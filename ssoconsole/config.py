"""Configuration from the environment, read when settings are built.

Only environment variables configure a deployment (SPEC section 3). This
module turns them into typed values; ``ssoconsole.settings`` is the only
caller, so nothing reads the environment at import time elsewhere.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


class ConfigurationError(Exception):
    """A configuration value is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Environment:
    data_dir: Path
    database_url: str
    redis_url: str | None
    base_url: str
    debug: bool
    devidp_enabled: bool
    allow_private_metadata_hosts: bool
    secret_key: str | None


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def normalize_base_url(value: str) -> str:
    """Return the base URL without a trailing slash, refusing anything but http(s) with a host."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigurationError(
            f"SSOCONSOLE_BASE_URL must be an absolute http(s) URL such as https://sso.example.com, not {value!r}."
        )
    if parts.query or parts.fragment:
        raise ConfigurationError("SSOCONSOLE_BASE_URL must not contain a query string or fragment.")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def read_environment(environ: dict[str, str] | None = None) -> Environment:
    """Build the deployment's configuration from ``environ`` (default: ``os.environ``)."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("SSOCONSOLE_DATA_DIR", "./var")).resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'ssoconsole.sqlite3'}"
    return Environment(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=env.get("REDIS_URL") or None,
        base_url=normalize_base_url(env.get("SSOCONSOLE_BASE_URL", "http://127.0.0.1:8000")),
        debug=_truthy(env.get("SSOCONSOLE_DEBUG")),
        devidp_enabled=_truthy(env.get("SSOCONSOLE_DEVIDP")),
        allow_private_metadata_hosts=_truthy(env.get("SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS")),
        # Several hosts behind one database share a secret through the environment;
        # a single host keeps the generated one in its data directory.
        secret_key=env.get("SSOCONSOLE_SECRET_KEY") or None,
    )


def load_or_create_secret(data_dir: Path, name: str = "secret_key", nbytes: int = 50) -> str:
    """Return the secret stored in ``data_dir/name``, creating it (mode 0600) on first run.

    There is deliberately no default secret in the code: every deployment gets
    its own, kept beside its data. Several processes may start at once, so the
    file is created exclusively and a loser of the race reads the winner's.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / name
    if not path.exists():
        value = secrets.token_urlsafe(nbytes)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(value)
    value = path.read_text().strip()
    if not value:
        raise ConfigurationError(f"The secret file {path} is empty; delete it to have a new one generated.")
    return value
