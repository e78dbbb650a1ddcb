"""The agent's own endpoints: start a browser sign-in, poll for the token, and ``/agents/me``.

docs/agents.md describes the protocol for agent developers. These
operations are not called by users: the first two take no credentials (the
hand-off's secrets prove the caller), the third takes an agent token only.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from ninja.responses import Status

from ssoconsole.accounts import throttle
from ssoconsole.agents import handoff, heartbeat
from ssoconsole.agents import services as agents
from ssoconsole.agents.errors import HandoffRefusal, HeartbeatTooFrequent
from ssoconsole.api.agent_auth import AgentToken, agent_token, anyone
from ssoconsole.api.errors import error_response
from ssoconsole.api.router import ApiRouter
from ssoconsole.api.schemas.agents import (
    AgentSelf,
    AgentStatus,
    AgentUser,
    Heartbeat,
    HeartbeatAccepted,
    SignInStart,
    SignInStarted,
    TokenIssued,
    TokenPoll,
    TokenRefused,
)

ANY_USER = "Any signed-in user of the tenant may call this."
WHO = {
    "anonymous": "No credentials: the agent calls this before it has any.",
    "agent": "Only an agent token (`ssoa_...`) is accepted; user API tokens and console sessions are refused.",
}


class AgentProtocolRouter(ApiRouter):
    """``ApiRouter`` whose documents say who may call (no one signed in, or an agent) instead of "any signed-in user"."""

    def add_api_operation(self, path, methods, view_func, *, auth=None, **kwargs):
        super().add_api_operation(path, methods, view_func, auth=auth, **kwargs)
        who = "agent" if any(isinstance(a, AgentToken) for a in auth) else "anonymous"
        operation = self.path_operations[self._stored_path(path)].operations[-1]
        operation.description = operation.description.replace(ANY_USER, WHO[who])


router = AgentProtocolRouter(tags=["agent sign-in"])
# ``status`` comes with every refusal of the hand-off itself; a malformed poll (a
# missing or ill-typed field) is refused with the API's plain 400 error, without it.
_REFUSED_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "status": {
            "type": "string",
            "enum": ["pending", "slow_down", "denied", "expired", "used", "unknown"],
        },
        "error": {"$ref": "#/components/schemas/ErrorBody"},
    },
}
# Declared as strings through openapi_extra: ninja's integer keys would sit next to the
# "400"/"409" the API adds to every operation and serialize as duplicate keys.
_REFUSALS = {
    str(status): {"description": text, "content": {"application/json": {"schema": _REFUSED_SCHEMA}}}
    for status, text in (
        (
            400,
            "`authorization_pending` (status `pending`): poll again after `interval` seconds; `slow_down` "
            "(status `slow_down`): polled too soon, poll again after the new, longer `interval` and keep it.",
        ),
        (403, "`access_denied` (status `denied`): the user denied the sign-in."),
        (404, "`handoff_not_found` (status `unknown`): wrong handoffId or pollSecret."),
        (409, "`already_used` (status `used`): an earlier poll collected the token."),
        (410, "`expired_token` (status `expired`): start a new sign-in."),
    )
}


def _refused(exc: HandoffRefusal) -> HttpResponse:
    body = TokenRefused(status=exc.handoff_status, error=exc.as_dict()).model_dump(
        mode="json", exclude_none=True
    )
    return HttpResponse(
        json.dumps(body), status=exc.status, content_type="application/json; charset=utf-8"
    )


# ``security: []`` is OpenAPI's way of saying "no credentials" for one operation.
@router.post(
    "/agents/sign-in", response={201: SignInStarted}, auth=anyone(), openapi_extra={"security": []}
)
def start_agent_sign_in(request, payload: SignInStart):
    """Start a browser sign-in for a desktop agent.

    Open `browserUrl` in the system browser and show "To complete the sign in
    process, go to your web browser. This screen updates automatically once
    login is successful." with `userCode`; then poll `POST /api/v1/agents/token`
    every `interval` seconds. Limited per address to a burst of 120 starts, then one per second (429 `throttled`; `SSOCONSOLE_LIMIT_AGENT_SIGNIN_START`).
    """
    try:
        started = handoff.start(
            request,
            device_name=payload.device_name,
            platform=payload.platform,
            agent_version=payload.agent_version,
        )
    except throttle.Throttled as exc:
        response = error_response(exc)
        response["Retry-After"] = str(exc.retry_after)
        return response
    return Status(
        201,
        SignInStarted(
            handoff_id=started.record.id,
            poll_secret=started.poll_secret,
            browser_url=started.browser_url,
            user_code=started.record.user_code,
            expires_in=started.expires_in,
            interval=handoff.POLL_INTERVAL_SECONDS,
        ),
    )


@router.post(
    "/agents/token",
    response={200: TokenIssued},
    auth=anyone(),
    openapi_extra={"security": [], "responses": _REFUSALS},
)
def collect_agent_token(request, payload: TokenPoll):
    """Poll a browser sign-in; once approved, collect the agent token (only once).

    Until the user approves: 400 `authorization_pending` (status `pending`; poll
    again after `interval` seconds); a poll sooner than `interval` after the
    previous one gets 400 `slow_down` (status `slow_down`) with an `interval`
    5 seconds longer, which holds for every later poll of this sign-in. Then: 200 with the token; 403 `access_denied`
    when the user denied it; 410 `expired_token` after 10 minutes; 409
    `already_used` for any poll after the one that got the token; 404
    `handoff_not_found` for a wrong id or secret.
    """
    try:
        issued = handoff.redeem(request, payload.handoff_id, payload.poll_secret)
    except HandoffRefusal as exc:
        return _refused(exc)
    user = issued.agent.user
    return TokenIssued(
        agent_id=issued.agent.id,
        agent_token=issued.token,
        user=AgentUser(username=user.username, tenant_id=user.tenant_id),
    )


@router.get("/agents/me", response=AgentSelf, auth=agent_token())
def get_agent_self(request):
    """Return the calling agent and its user; proves the agent token still works.

    401 `agent_revoked` after a revocation, `user_inactive` when the user is
    deactivated, `invalid_token` for an unknown token: sign in again.
    """
    agent = request.auth
    return AgentSelf(
        agent_id=agent.id,
        name=agent.name,
        platform=agent.platform,
        agent_version=agent.agent_version,
        created_at=agent.created_at,
        last_seen_at=agent.last_seen_at,
        last_status=AgentStatus.of(agent),
        user=AgentUser(username=agent.user.username, tenant_id=agent.user.tenant_id),
    )


@router.delete("/agents/me", response={204: None}, auth=agent_token())
def sign_out_agent(request):
    """Sign the calling agent out: its token stops working at once (the agent's logout).

    Audited as `agent.revoked` by the agent's user. To sign in again the agent
    starts a new browser sign-in.
    """
    agents.sign_out(request.auth, request=request)
    return Status(204, None)


@router.post(
    "/agents/heartbeat",
    response={200: HeartbeatAccepted},
    auth=agent_token(),
    openapi_extra={
        "responses": {
            "429": {
                "description": "`heartbeat_too_frequent`: more than 60 heartbeats in 5 minutes; "
                "wait `Retry-After` seconds.",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}
                },
            }
        }
    },
)
def agent_heartbeat(request, payload: Heartbeat):
    """Report the agent's status; the console shows it as the device's last status and last seen.

    Send one about a minute apart (at most 60 in 5 minutes: 429
    `heartbeat_too_frequent` with `Retry-After`). A heartbeat works as long as
    the agent token does: after the user loses access at the identity provider
    too, until the agent is revoked (401 `agent_revoked`) or the user is
    deactivated (401 `user_inactive`).
    """
    report = heartbeat.Report(
        state=payload.state,
        last_backup_at=payload.last_backup_at,
        last_backup_bytes=payload.last_backup_bytes,
        message=payload.message,
    )
    try:
        agent = heartbeat.record_heartbeat(request.auth, report)
    except HeartbeatTooFrequent as exc:
        response = error_response(exc)
        response["Retry-After"] = str(exc.retry_after)
        return response
    return HeartbeatAccepted(received_at=agent.last_heartbeat_at, status=AgentStatus.of(agent))
