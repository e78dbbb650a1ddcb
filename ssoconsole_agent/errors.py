"""Why a command of the agent failed, with the sentence it prints and the exit status it returns.

Every message says what happened and what to do next; none contains a
token, a poll secret or the browser link's key.
"""

from __future__ import annotations

# Exit statuses, documented in docs/agents.md ("Try it").
FAILED = 1
TOKEN_STOPPED = 3  # the server no longer accepts this agent's token
INTERRUPTED = 130


class AgentError(Exception):
    """A failure the agent explains to the person in front of it."""

    exit_status = FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ServerUnreachable(AgentError):
    """No answer at the transport level: refused, unknown host, time-out."""


class TlsFailure(AgentError):
    """The TLS connection failed, usually a certificate that cannot be verified."""


class NotAnSsoconsoleServer(AgentError):
    """Something answered, but not the way the agent API does: usually a wrong --server."""


class ServerError(AgentError):
    """The server refused or failed; ``code`` is its error code when it gave one."""

    def __init__(self, message: str, *, code: str = "", status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class TokenStopped(ServerError):
    """The agent token no longer works (revoked, unknown, or its user deactivated)."""

    exit_status = TOKEN_STOPPED


class SignInFailed(AgentError):
    """The browser sign-in ended without a token: denied, expired, or lost."""


class CredentialsProblem(AgentError):
    """The stored credentials are missing, unreadable or readable by others."""
