"""Agents as users and administrators see them: lists and revocation."""

from __future__ import annotations

from uuid import UUID

from ninja import Query
from ninja.responses import Status

from ssoconsole.accounts.roles import Capability
from ssoconsole.agents import policy
from ssoconsole.agents import services as agents
from ssoconsole.api.auth import access, caller_of
from ssoconsole.api.pagination import paginate
from ssoconsole.api.router import ApiRouter
from ssoconsole.api.schemas.agents import (
    AgentOut,
    AgentPage,
    AgentQuery,
    SignInPolicy,
    SignInPolicyUpdate,
)
from ssoconsole.api.schemas.common import PageQuery

router = ApiRouter(tags=["agents"])


def _present(rows):
    return [AgentOut.of(agent) for agent in rows]


@router.get("/agents", response=AgentPage, auth=access(Capability.AGENTS_MANAGE))
def list_agents(request, query: Query[AgentQuery]):
    """List the tenant's active desktop agents, newest first; `q` searches device, user and organization.

    `silentForDays` keeps the agents not heard from for at least that many days.
    """
    rows = agents.agents_of_tenant(
        caller_of(request).tenant, search=query.q, silent_days=query.silent_for_days
    )
    return paginate(rows, query, _present)


@router.get("/me/agents", response=AgentPage, auth=access())
def list_own_agents(request, query: Query[PageQuery]):
    """List the caller's own active desktop agents ("My devices")."""
    return paginate(agents.agents_of_user(caller_of(request).user), query, _present)


@router.delete("/agents/{uuid:id}", response={204: None}, auth=access())
def revoke_agent(request, id: UUID):
    """Revoke a desktop agent: its token stops working at once.

    Users may revoke their own agents; revoking another user's agent needs the
    `agents.manage` permission (403 `forbidden` otherwise).
    """
    caller = caller_of(request)
    agent = agents.find_revocable(caller.user, id)
    agents.revoke(agent, actor=caller.user, request=request)
    return Status(204, None)


@router.get("/agents/sign-in-policy", response=SignInPolicy, auth=access(Capability.AGENTS_MANAGE))
def get_sign_in_policy(request):
    """The networks the tenant's agent sign-ins may start from (empty: any network)."""
    networks = policy.allowed_networks(caller_of(request).tenant)
    return SignInPolicy(allowed_networks=[str(n) for n in networks])


@router.put("/agents/sign-in-policy", response=SignInPolicy, auth=access(Capability.AGENTS_MANAGE))
def set_sign_in_policy(request, payload: SignInPolicyUpdate):
    """Limit where agent sign-ins may start: a hand-off started elsewhere cannot be approved.

    Anyone can start a hand-off and send its link (device-code phishing); with
    a list, the approval page refuses hand-offs started outside it. Audited as
    `agent.policy_changed`.
    """
    caller = caller_of(request)
    networks = policy.set_allowed_networks(
        caller.tenant, payload.allowed_networks, actor=caller.user, request=request
    )
    return SignInPolicy(allowed_networks=[str(n) for n in networks])
