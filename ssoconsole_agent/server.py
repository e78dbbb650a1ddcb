"""The agent's view of an ssoconsole server: a checked base URL and JSON calls with explained failures.

Standard library only (``urllib``), so the example carries no dependency. The
server's address is checked before any traffic: ``https://``, or ``http://``
for this computer only (the demo runs on http://127.0.0.1:8000), since the
agent sends its token to it. Redirects are not followed: an API that
redirects is at another address, which the user should give instead.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ssoconsole_agent import __version__
from ssoconsole_agent.errors import (
    NotAnSsoconsoleServer,
    ServerError,
    ServerUnreachable,
    TlsFailure,
    TokenStopped,
)

TIMEOUT_SECONDS = 15
MAX_ANSWER_BYTES = 1_000_000  # every agent API answer is a few hundred bytes
USER_AGENT = (
    f"ssoconsole-agent/{__version__} (Python {sys.version_info.major}.{sys.version_info.minor})"
)
SERVER_HELP = (
    "Give the console's address with --server, the one you open in a browser without "
    "/console or /login, e.g. https://console.example.com (the demo: http://127.0.0.1:8000)."
)
# The 401 codes that mean "this token will not work again" (docs/agents.md, "Use the token").
TOKEN_CODES = {"agent_revoked", "invalid_token", "user_inactive", "not_authenticated"}


def plain(value, limit: int = 1000) -> str:
    """``value`` as one line of printable text, at most ``limit`` characters.

    Everything the server says is printed to a terminal; control characters
    (escape sequences) from a wrong or hostile server must not reach it.
    """
    text = "".join(c if c.isprintable() else " " for c in str(value))
    return " ".join(text.split())[:limit]


def _is_this_computer(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(raw: str) -> str:
    """Return the normalised base URL, or raise ``NotAnSsoconsoleServer`` saying what is wrong with it."""
    text = (raw or "").strip()
    if len(text) > 2000:
        raise NotAnSsoconsoleServer("The server address is too long. " + SERVER_HELP)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotAnSsoconsoleServer(f"“{text}” is not a web address. " + SERVER_HELP)
    if parts.username or parts.password or parts.query or parts.fragment:
        raise NotAnSsoconsoleServer(
            f"“{text}” carries a user name, a query or a fragment; give the plain address. "
            + SERVER_HELP
        )
    if parts.scheme == "http" and not _is_this_computer(parts.hostname):
        raise NotAnSsoconsoleServer(
            f"Use https:// for {parts.hostname}: the agent sends its token to the server, and "
            "plain http would let anyone on the network read it. (http:// is accepted only for "
            "this computer: localhost, 127.0.0.1, ::1.)"
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


@dataclass
class Answer:
    status: int
    body: dict
    headers: dict = field(default_factory=dict)

    @property
    def error(self) -> dict:
        error = self.body.get("error")
        return error if isinstance(error, dict) else {}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx status


class Server:
    """One ssoconsole server, called over HTTPS (or loopback HTTP) with JSON."""

    def __init__(self, base_url: str, *, ca_file: str | None = None) -> None:
        self.base_url = check_server_url(base_url)
        try:
            context = ssl.create_default_context(cafile=ca_file) if ca_file else None
        except (OSError, ssl.SSLError) as exc:
            raise TlsFailure(
                f"Cannot use {ca_file} as --ca-file ({exc.strerror or exc}). Give a file of PEM "
                "certificates (-----BEGIN CERTIFICATE-----) of the server's certificate authority."
            ) from None
        handlers = [_NoRedirects()]
        if self.base_url.startswith("https://"):
            handlers.append(
                urllib.request.HTTPSHandler(context=context or ssl.create_default_context())
            )
        self._opener = urllib.request.build_opener(*handlers)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    def call(
        self, method: str, path: str, body: dict | None = None, *, token: str | None = None
    ) -> Answer:
        """Send one request; return the JSON answer of any status, or raise why there is none."""
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            self.base_url + path, data=data, headers=headers, method=method
        )
        try:
            with self._opener.open(request, timeout=TIMEOUT_SECONDS) as response:
                return self._answer(
                    path, response.status, response.headers, response.read(MAX_ANSWER_BYTES)
                )
        except urllib.error.HTTPError as error:
            with error:
                return self._answer(path, error.code, error.headers, error.read(MAX_ANSWER_BYTES))
        except urllib.error.URLError as error:
            raise self._transport_failure(error.reason) from None
        except (TimeoutError, ConnectionError, ssl.SSLError) as error:
            raise self._transport_failure(error) from None

    def _answer(self, path: str, status: int, headers, raw: bytes) -> Answer:
        headers = dict(headers.items()) if headers is not None else {}
        if 300 <= status < 400:
            target = plain(headers.get("Location", "another address"), 300)
            raise NotAnSsoconsoleServer(
                f"{self.base_url} redirects {path} to {target}: the agent API is not at this address. "
                + SERVER_HELP
            )
        if status == 204:
            return Answer(status, {}, headers)
        kind = headers.get("Content-Type", "")
        try:
            body = json.loads(raw) if kind.startswith("application/json") else None
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if status >= 500:
                raise ServerError(
                    f"{self.host} failed with HTTP {status}. Try again in a few minutes; if it "
                    "keeps failing, tell the server's administrator.",
                    status=status,
                )
            raise NotAnSsoconsoleServer(
                f"{self.base_url} answered HTTP {status} ({plain(kind, 100) or 'no content type'}) "
                f"to {path}, "
                "not the way an ssoconsole server does. " + SERVER_HELP
            )
        return Answer(status, body, headers)

    def _transport_failure(self, reason) -> Exception:
        where = self.base_url
        if isinstance(reason, ssl.SSLCertVerificationError):
            detail = reason.verify_message or reason.reason or "verification failed"
            return TlsFailure(
                f"The TLS certificate of {self.host} could not be verified ({detail}). If the server "
                "uses a private certificate authority, pass its certificate with --ca-file PATH. "
                "Do not turn verification off: the agent's token would go to whoever answers."
            )
        if isinstance(reason, ssl.SSLError):
            return TlsFailure(
                f"The TLS connection to {self.host} failed ({reason.reason or reason}). Check that "
                "the server speaks https at this address (an http-only server needs http://)."
            )
        if isinstance(reason, ConnectionRefusedError):
            return ServerUnreachable(
                f"Cannot reach {where}: the connection was refused. Check that the server is "
                "running and that the address and port are right."
            )
        if isinstance(reason, socket.gaierror):
            return ServerUnreachable(
                f"Cannot find the host {urlsplit(where).hostname}. Check the address for typos and "
                "that this computer is on the network that can see it."
            )
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return ServerUnreachable(
                f"{where} did not answer within {TIMEOUT_SECONDS} seconds. Check the network (a "
                "proxy or firewall) and try again."
            )
        return ServerUnreachable(
            f"Cannot reach {where} ({reason}). Check the address and the network."
        )

    def refusal(self, answer: Answer, doing: str) -> ServerError:
        """Turn an error answer into the exception that explains it, using the server's own sentence."""
        code = plain(answer.error.get("code", ""), 100)
        message = plain(answer.error.get("message", ""))
        if answer.status == 401 and code in TOKEN_CODES:
            return TokenStopped(
                message or f"The server refused the agent's token ({code}).", code=code, status=401
            )
        text = f"The server refused to {doing} (HTTP {answer.status}"
        text += f", {code})" if code else ")"
        return ServerError(
            f"{text}: {message}" if message else text + ".", code=code, status=answer.status
        )
