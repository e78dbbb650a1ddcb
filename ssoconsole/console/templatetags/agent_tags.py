"""Agent tables for the account page ("My devices") and the user page, without touching their views."""

from __future__ import annotations

from django import template

from ssoconsole.accounts.roles import Capability, can
from ssoconsole.agents import services as agents

register = template.Library()


@register.inclusion_tag("console/agents/table.html", takes_context=True)
def agent_table(context, rows, *, show_user=False, can_revoke=False, next="agents"):
    return {
        "agents": rows,
        "show_user": show_user,
        "can_revoke": can_revoke,
        "next": next,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("console/agents/devices.html", takes_context=True)
def my_devices(context):
    """The signed-in user's own agents, each with a Revoke button."""
    user = context["console_user"]
    rows = list(agents.agents_of_user(user))
    new_ids = agents.new_agent_ids(rows)
    return {
        "heading": "My devices",
        "intro": "Desktop agents signed in as you. They keep working after you sign out here; revoke one you no longer use.",
        "empty": "No agents are signed in as you.",
        "agents": rows,
        "new_ids": new_ids,
        "new_agents": [a for a in rows if a.id in new_ids],
        "new_days": agents.NEW_AGENT_DAYS,
        "show_user": False,
        "can_revoke": True,
        "next": "account",
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("console/agents/devices.html", takes_context=True)
def agents_of(context, subject):
    """The agents of ``subject`` on the user page; Revoke only for viewers with agents.manage."""
    return {
        "heading": "Desktop agents",
        "intro": "Agents keep working until revoked or until the user is deactivated, even without access at the identity provider.",
        "empty": "No agents are signed in as this user.",
        "agents": list(agents.agents_of_user(subject)),
        "show_user": False,
        "can_revoke": can(context["console_user"], Capability.AGENTS_MANAGE),
        "next": "user",
        "csrf_token": context.get("csrf_token"),
    }
