"""Configuration from the environment, read when settings are built.

Only environment variables configure a deployment (docs/rules.md#configuration). This
module turns them into typed values; ``ssoconsole.settings`` is the only
caller, so nothing reads the environment at import time elsewhere.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass, field
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
    metadata_allowed_hosts: tuple[str, ...] | None
    metadata_ca_bundle: str | None
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    limits: dict[str, tuple[float, ...]] = field(default_factory=dict)
    log_format: str = "json"
    metrics_token: str | None = None
    metrics_allowed: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    secret_key_fallbacks: tuple[str, ...] = ()
    smtp_url: str | None = None
    mail_from: str | None = None
    # Verified domains: the DNS servers asked for TXT proofs (empty: the system's resolver).
    dns_nameservers: tuple[tuple[str, int], ...] = ()
    dns_timeout_seconds: float = 5.0


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


def parse_host_list(value: str) -> tuple[str, ...]:
    """Split a comma- or space-separated list of host names (``*.`` prefixes allowed), refusing junk."""
    hosts = tuple(h.strip().lower() for h in value.replace(",", " ").split() if h.strip())
    for host in hosts:
        bare = host.removeprefix("*.")
        if not bare or "*" in bare or "/" in bare or ":" in bare or "." not in bare:
            raise ConfigurationError(
                f"SSOCONSOLE_METADATA_ALLOWED_HOSTS: {host!r} is not a host name; list names such as "
                "login.microsoftonline.com or *.okta.com, separated by commas."
            )
    if not hosts:
        raise ConfigurationError(
            "SSOCONSOLE_METADATA_ALLOWED_HOSTS is set but empty; unset it to use the shipped list."
        )
    return hosts


def parse_networks(value: str, variable: str) -> tuple:
    """Split a comma- or space-separated list of addresses and CIDR networks (``10.0.0.0/8``, ``::1``)."""
    networks = []
    for item in value.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigurationError(
                f"{variable}: {item!r} is neither an IP address nor a network; list addresses or CIDR "
                "networks such as 10.0.0.5 or 10.0.0.0/24, separated by commas."
            ) from None
    return tuple(networks)


LIMIT_PREFIX = "SSOCONSOLE_LIMIT_"


def limit_variable(scope: str) -> str:
    """Return the environment variable that overrides the throttle rule ``scope``."""
    return LIMIT_PREFIX + scope.upper().replace("-", "_")


def parse_limit(value: str, variable: str) -> tuple[float, ...]:
    """Parse ``COUNT/SECONDS`` (a failure rule) or ``COUNT/SECONDS,BURST`` (a token bucket)."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*(?:,\s*(\d+)\s*)?", value)
    numbers = [int(n) for n in match.groups() if n is not None] if match else []
    if not numbers or min(numbers) < 1:
        raise ConfigurationError(
            f"{variable}={value!r}: write COUNT/SECONDS, e.g. 5/900 for 5 per 15 minutes, or "
            "COUNT/SECONDS,BURST for a rate, e.g. 3000/600,300; every number at least 1."
        )
    return tuple(numbers)


def read_limits(env) -> dict[str, tuple[float, ...]]:
    """Return ``{scope: numbers}`` from every ``SSOCONSOLE_LIMIT_*`` variable (scope in lower case, with dashes)."""
    return {
        name[len(LIMIT_PREFIX) :].lower().replace("_", "-"): parse_limit(value, name)
        for name, value in env.items()
        if name.startswith(LIMIT_PREFIX)
    }


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
        # The standard IdP domains that metadata may be fetched from; unset means the shipped list.
        metadata_allowed_hosts=(
            parse_host_list(env["SSOCONSOLE_METADATA_ALLOWED_HOSTS"])
            if "SSOCONSOLE_METADATA_ALLOWED_HOSTS" in env
            else None
        ),
        metadata_ca_bundle=env.get("SSOCONSOLE_METADATA_CA_BUNDLE") or None,
        trusted_proxies=parse_networks(
            env.get("SSOCONSOLE_TRUSTED_PROXIES", ""), "SSOCONSOLE_TRUSTED_PROXIES"
        ),
        limits=read_limits(env),
        log_format=_log_format(env.get("SSOCONSOLE_LOG_FORMAT", "json")),
        metrics_token=env.get("SSOCONSOLE_METRICS_TOKEN") or None,
        # Earlier secrets, still accepted for signed values and SP keys during a rotation.
        secret_key_fallbacks=tuple(
            v.strip()
            for v in env.get("SSOCONSOLE_SECRET_KEY_FALLBACKS", "").split(",")
            if v.strip()
        ),
        metrics_allowed=parse_networks(
            env.get("SSOCONSOLE_METRICS_ALLOWED_ADDRESSES", ""),
            "SSOCONSOLE_METRICS_ALLOWED_ADDRESSES",
        ),
        smtp_url=check_smtp_url(env.get("SSOCONSOLE_SMTP_URL") or None),
        mail_from=env.get("SSOCONSOLE_MAIL_FROM") or None,
        dns_nameservers=parse_nameservers(env.get("SSOCONSOLE_DNS_NAMESERVERS", "")),
        dns_timeout_seconds=parse_dns_timeout(env.get("SSOCONSOLE_DNS_TIMEOUT_SECONDS", "5")),
    )


DNS_TIMEOUT_MAX = 30.0


def parse_nameservers(value: str) -> tuple[tuple[str, int], ...]:
    """Split ``SSOCONSOLE_DNS_NAMESERVERS`` (``ip`` or ``ip:port``, ``[ipv6]:port``, comma-separated).

    Addresses only, never names: resolving the resolver's own name would need a
    resolver, and a typo must fail at start-up rather than at the first verification.
    """
    servers = []
    for item in (v.strip() for v in value.replace(" ", ",").split(",")):
        if not item:
            continue
        host, port = item, 53
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else (rest or 53)
        elif item.count(":") == 1:
            host, port = item.split(":")
        try:
            ipaddress.ip_address(host)
            port = int(port)
            if not 0 < port < 65536:
                raise ValueError
        except ValueError:
            raise ConfigurationError(
                f"SSOCONSOLE_DNS_NAMESERVERS: {item!r} is not an IP address with an optional port; "
                "list servers such as 192.0.2.53 or 192.0.2.53:5353 or [2001:db8::53]:53, "
                "separated by commas, or unset it to use the system's resolver."
            ) from None
        servers.append((host, port))
    return tuple(servers)


def parse_dns_timeout(value: str) -> float:
    """Return the bound of one domain verification's DNS lookup, in seconds (0 < t <= 30)."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= DNS_TIMEOUT_MAX:
        raise ConfigurationError(
            f"SSOCONSOLE_DNS_TIMEOUT_SECONDS must be a number of seconds above 0 and at most "
            f"{DNS_TIMEOUT_MAX:g}, not {value!r}."
        )
    return seconds


def _log_format(value: str) -> str:
    value = value.strip().lower() or "json"
    if value not in ("json", "text"):
        raise ConfigurationError(
            f"SSOCONSOLE_LOG_FORMAT must be json (one JSON object per line) or text, not {value!r}."
        )
    return value


SMTP_SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


def check_smtp_url(value: str | None) -> str | None:
    """Refuse an SMTP URL the mailer could not use, at start-up rather than at the first warning."""
    if value is None:
        return None
    parts = urlsplit(value.strip())
    try:
        _ = parts.port  # parsing the port is what raises for a malformed one
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in SMTP_SCHEMES or not parts.hostname:
        raise ConfigurationError(
            "SSOCONSOLE_SMTP_URL must look like smtp://host:25, smtp+starttls://user:password@host:587 "
            "or smtps://user:password@host:465."
        )
    return value.strip()


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
        raise ConfigurationError(
            f"The secret file {path} is empty; delete it to have a new one generated."
        )
    return value
