"""Why an agent's request was refused: one class per reason, each with a stable code.

The REST API renders these like every ``DomainError``; the token endpoint adds
the hand-off's ``status`` next to the error (docs/agents.md lists them all).
"""

from __future__ import annotations

from ssoconsole.core.errors import DomainError, InvalidToken, NotFound, ValidationFailed

START_AGAIN = "Start a new sign-in from the agent."


class HandoffRefusal(DomainError):
    """A poll of ``POST /api/v1/agents/token`` that yields no token; ``handoff_status`` goes in the body.

    The approval page shows the same refusals (an unknown or expired link)
    under ``title``.
    """

    handoff_status = "error"
    title = "This sign-in link cannot be used"


class AuthorizationPending(HandoffRefusal):
    status = 400
    code = "authorization_pending"
    handoff_status = "pending"

    def __init__(self, interval: int) -> None:
        super().__init__(
            f"The user has not approved this sign-in in the browser yet. Poll again in {interval} seconds.",
            details={"interval": interval},
        )


class SlowDown(AuthorizationPending):
    """Still pending, but the agent polled sooner than ``interval`` allowed: it must now wait longer (RFC 8628 3.5)."""

    code = "slow_down"
    handoff_status = "slow_down"

    def __init__(self, interval: int) -> None:
        HandoffRefusal.__init__(
            self,
            f"The agent polls too often. The user has not approved this sign-in yet; poll again in {interval} seconds, "
            "and keep that interval for every later poll.",
            details={"interval": interval},
        )


class AccessDenied(HandoffRefusal):
    status = 403
    code = "access_denied"
    handoff_status = "denied"


class ExpiredToken(HandoffRefusal):
    status = 410
    code = "expired_token"
    handoff_status = "expired"
    title = "This sign-in request expired"


class AlreadyUsed(HandoffRefusal):
    status = 409
    code = "already_used"
    handoff_status = "used"


class HandoffNotFound(HandoffRefusal):
    status = 404
    code = "handoff_not_found"
    handoff_status = "unknown"


class AgentNotFound(NotFound):
    code = "agent_not_found"


class AgentTokenInvalid(InvalidToken):
    """An agent token that does not (or no longer) authenticate; the API answers 401 with ``WWW-Authenticate``."""


class AgentRevoked(AgentTokenInvalid):
    code = "agent_revoked"


class AgentUserInactive(AgentTokenInvalid):
    code = "user_inactive"


class InvalidTime(ValidationFailed):
    """A time is not an ISO 8601 date-time with a time zone."""

    code = "invalid_time"


class TimeInFuture(ValidationFailed):
    """A reported time is ahead of the server's clock by more than the allowed skew."""

    code = "time_in_future"


class HeartbeatTooFrequent(DomainError):
    """An agent sent heartbeats faster than the server stores them; ``retry_after`` says when to send the next."""

    status = 429
    code = "heartbeat_too_frequent"

    def __init__(self, limit: int, window_seconds: int, retry_after: int) -> None:
        super().__init__(
            f"This agent sent more than {limit} heartbeats in {window_seconds // 60} minutes. "
            f"Send the next one in {retry_after} seconds, and about one a minute after that.",
            details={"retryAfterSeconds": retry_after},
        )
        self.retry_after = retry_after


# --- The approval page (agents.approval) ---------------------------------------------------------


class ApprovalRefused(DomainError):
    """The approval page cannot be used; ``title`` heads the page that says what to do."""

    title = "This sign-in link cannot be used"


class AlreadyDecided(ApprovalRefused):
    status = 409
    code = "already_decided"
    title = "This sign-in is already finished"


class NotShown(ApprovalRefused):
    status = 409
    code = "page_not_shown"
    title = "Check the request again"


class WrongCode(ApprovalRefused):
    """The approver typed a code other than the agent's: the page is shown again with this sentence."""

    status = 400
    code = "user_code_mismatch"


class StartNotAllowed(ApprovalRefused):
    """The hand-off started outside the networks the user's tenant allows (agents.policy)."""

    status = 403
    code = "agent_start_not_allowed"
    title = "Agents cannot sign in from there"


class OtherBrowser(ApprovalRefused):
    status = 409
    code = "other_browser"
    title = "This sign-in is open in another browser"


# --- The tenant's sign-in policy (agents.policy) ------------------------------------------------


class NetworkInvalid(ValidationFailed):
    """An entry of ``allowedNetworks`` is not a CIDR range."""

    code = "network_invalid"


class TooManyNetworks(ValidationFailed):
    """``allowedNetworks`` lists more ranges than the policy keeps."""

    code = "too_many_networks"


#: Every refusal the approval page shows on its own page.
APPROVAL_PAGE_REFUSALS = (ApprovalRefused, HandoffNotFound, ExpiredToken)
