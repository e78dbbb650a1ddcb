"""How the agent endpoints authenticate: nobody (the sign-in hand-off) or an agent token.

Agent tokens (``ssoa_...``) and user API tokens (``ssoc_...``) are separate
credentials with separate schemes: ``api.auth.BearerToken`` accepts only
user tokens, so an agent token is refused on every admin endpoint, and
:class:`AgentToken` accepts only agent tokens, so a user token cannot act as
an agent. Neither looks at the console session.
"""

from __future__ import annotations

from ninja.security import HttpBearer

from ssoconsole.agents import services as agents
from ssoconsole.agents.errors import AgentTokenInvalid
from ssoconsole.api.errors import NotAuthenticated

AGENT_TOKEN_NEEDED = (
    "This endpoint takes an agent token: send “Authorization: Bearer ssoa_…” with the token that "
    "POST /api/v1/agents/token gave the agent. User API tokens and console sessions are not accepted here."
)


class Anyone:
    """No authentication: for the start of the hand-off and the agent's polls, which prove themselves with secrets."""

    capability = None

    def __call__(self, request):
        return "anonymous"


class AgentToken(HttpBearer):
    """An agent's own bearer token, from a completed browser sign-in."""

    capability = None
    openapi_description = "An agent token (`ssoa_...`), sent as `Authorization: Bearer TOKEN`."
    openapi_bearerFormat = "opaque"

    def __call__(self, request):
        header = request.headers.get("Authorization")
        scheme, _, token = (header or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not agents.is_agent_token(token):
            raise NotAuthenticated(AGENT_TOKEN_NEEDED)
        return self.authenticate(request, token)

    def authenticate(self, request, token):
        try:
            return agents.authenticate(token, request=request)
        except AgentTokenInvalid as exc:
            raise exc from None  # an InvalidToken: error_response adds the challenge


def anyone() -> list:
    return [Anyone()]


def agent_token() -> list:
    return [AgentToken()]
