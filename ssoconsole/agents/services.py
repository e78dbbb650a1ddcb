"""Agents after sign-in: authenticating their tokens, listing them, revoking them.

An agent token answers to three things only, checked at every use: the
agent is not revoked, the token is the agent's, and the user is active.
Console sessions, SAML sessions and the identity provider play no part,
which is what lets agents keep working when the user loses access at the
IdP (tutorial, "Losing access to an identity provider") while an
administrator can still stop them at once, by revoking the agent or
deactivating the user.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db import connections, transaction
from django.db.models import Q

from ssoconsole.accounts.roles import Capability, can
from ssoconsole.accounts.search import unindexed
from ssoconsole.agents import credentials, errors
from ssoconsole.agents.errors import AgentUserInactive
from ssoconsole.agents.models import Agent
from ssoconsole.agents.search import agent_candidates
from ssoconsole.audit.log import record
from ssoconsole.audit.models import Outcome
from ssoconsole.core import clock
from ssoconsole.core.errors import Forbidden

# Writing on every call would turn each agent request into a database write.
LAST_SEEN_INTERVAL = timedelta(minutes=1)
# An agent of a deactivated user keeps calling; one audit event an hour says so without flooding the log.
REFUSAL_AUDIT_INTERVAL = timedelta(hours=1)
SIGN_IN_AGAIN = "Sign the agent in again (it opens the browser)."


def is_agent_token(raw) -> bool:
    return isinstance(raw, str) and raw.startswith(credentials.AGENT_TOKEN_PREFIX)


def authenticate(raw: str, *, request=None, now: datetime | None = None) -> Agent:
    """Return the agent of ``raw``, or raise the ``AgentTokenInvalid`` that says why it no longer works."""
    now = now or clock.now()
    agent = None
    if is_agent_token(raw) and len(raw) <= 200:
        agent = (
            Agent.objects.select_related("user", "user__tenant", "user__org", "tenant")
            .filter(token_hash=credentials.digest(raw))
            .first()
        )
    if agent is None:
        raise errors.AgentTokenInvalid(
            "This agent token is not valid: it is unknown or cut short. " + SIGN_IN_AGAIN
        )
    if agent.revoked_at is not None:
        raise errors.AgentRevoked(
            f"This agent was revoked on {agent.revoked_at:%Y-%m-%d %H:%M} UTC by {agent.revoked_by or 'an administrator'}. "
            + SIGN_IN_AGAIN
        )
    if not agent.user.is_active:
        _audit_refusal(agent, now, request)
        raise errors.AgentUserInactive(
            "The user of this agent is deactivated, so the agent cannot work. "
            "An administrator of the user's organization can reactivate the user."
        )
    if agent.last_seen_at is None or now - agent.last_seen_at >= LAST_SEEN_INTERVAL:
        Agent.objects.filter(id=agent.id).update(last_seen_at=now)
        agent.last_seen_at = now
    return agent


def _audit_refusal(agent: Agent, now: datetime, request) -> None:
    due = (
        agent.refusal_audited_at is None or now - agent.refusal_audited_at >= REFUSAL_AUDIT_INTERVAL
    )
    if not due:
        return
    Agent.objects.filter(id=agent.id).update(refusal_audited_at=now)
    record(
        "agent.refused",
        tenant=agent.tenant,
        actor=None,
        actor_label=f"agent:{agent.name}"[:254],
        target=agent,
        target_label=f"{agent.name} ({agent.user.username})",
        outcome=Outcome.FAILURE,
        reason_code=AgentUserInactive.code,
        data={"userId": str(agent.user_id)},
        request=request,
    )


def active_agents():
    return Agent.objects.filter(revoked_at__isnull=True).select_related("user", "user__org")


def agents_of_user(user):
    """The user's own unrevoked agents, newest first."""
    return active_agents().filter(user=user)


# How long a new agent sign-in stays highlighted under Account › My devices.
NEW_AGENT_DAYS = 7


def new_agent_ids(agents, *, now=None) -> set:
    """Return the ids of ``agents`` signed in within :data:`NEW_AGENT_DAYS`.

    An approved hand-off keeps working after the person signs out, so a
    phished approval must not go unnoticed: the person sees each new agent
    highlighted, with where it signed in from, and can revoke it.
    """
    from datetime import timedelta

    from ssoconsole.core import clock

    since = (now or clock.now()) - timedelta(days=NEW_AGENT_DAYS)
    return {a.id for a in agents if a.created_at >= since}


def agents_of_tenant(tenant, *, search: str = "", user_id=None, silent_days: int | None = None):
    """The tenant's unrevoked agents, filtered by a search over device, username, name and org.

    ``silent_days`` keeps only the agents not heard from for that many days: no
    request since then (an agent that never called counts from its sign-in).
    A search of 3 or more characters is served by indexes (``agents.search``).
    """
    rows = active_agents()
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    if silent_days is not None:
        since = clock.now() - timedelta(days=silent_days)
        rows = rows.filter(
            Q(last_seen_at__lt=since) | Q(last_seen_at__isnull=True, created_at__lt=since)
        )
    search = (search or "").strip()
    if not search:
        return rows.filter(tenant=tenant)
    rows = rows.filter(
        Q(name__icontains=search)
        | Q(platform__icontains=search)
        | Q(user__username__icontains=search)
        | Q(user__first_name__icontains=search)
        | Q(user__last_name__icontains=search)
        | Q(user__org__name__icontains=search)
    )
    candidates = agent_candidates(tenant, search, rows.db)
    if candidates is None:
        return rows.filter(tenant=tenant)
    rows = rows.filter(id__in=candidates)
    if connections[rows.db].vendor == "sqlite":
        # Without statistics SQLite would walk the tenant's agents and test each against the
        # candidates; "+tenant_id" keeps the tenant condition out of index choice (as user search).
        return rows.alias(_tenant=unindexed("tenant_id")).filter(_tenant=tenant.id)
    return rows.filter(tenant=tenant)


def find_revocable(actor, agent_id) -> Agent:
    """Return the unrevoked agent ``agent_id`` that ``actor`` may revoke: their own, or any in their tenant with agents.manage.

    Another tenant's agent is not found, exactly like an id that never existed.
    """
    try:
        key = uuid.UUID(str(agent_id))
    except ValueError:
        key = None
    agent = active_agents().filter(id=key, tenant_id=actor.tenant_id).first() if key else None
    if agent is None:
        raise errors.AgentNotFound(
            "No active agent with this id in your tenant; it may have been revoked already."
        )
    if agent.user_id != actor.id and not can(actor, Capability.AGENTS_MANAGE):
        raise Forbidden(
            f"You can revoke only your own agents; revoking another user's needs the “{Capability.AGENTS_MANAGE.value}” "
            "permission (revoke desktop agents of any user). Ask an administrator of your organization.",
            details={"capability": Capability.AGENTS_MANAGE.value},
        )
    return agent


@transaction.atomic
def sign_out(agent: Agent, *, request=None) -> Agent:
    """Revoke ``agent`` at its own request (the agent's logout); audited as the user's revocation."""
    now = clock.now()
    user = agent.user
    changed = Agent.objects.filter(id=agent.id, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=f"{user.username} (signed out in the agent)"[:254]
    )
    if changed:
        agent.revoked_at = now
        record(
            "agent.revoked",
            tenant=agent.tenant,
            actor=user,
            target=agent,
            target_label=f"{agent.name} ({user.username})",
            data={"userId": str(user.id), "own": True, "by": "agent"},
            request=request,
        )
    return agent


@transaction.atomic
def revoke(agent: Agent, *, actor, request=None) -> Agent:
    """Revoke ``agent``: its token fails from the next request on, on every server process."""
    now = clock.now()
    changed = Agent.objects.filter(id=agent.id, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor.username
    )
    if changed:
        agent.revoked_at, agent.revoked_by = now, actor.username
        record(
            "agent.revoked",
            tenant=agent.tenant,
            actor=actor,
            target=agent,
            target_label=f"{agent.name} ({agent.user.username})",
            data={"userId": str(agent.user_id), "own": agent.user_id == actor.id},
            request=request,
        )
    return agent
