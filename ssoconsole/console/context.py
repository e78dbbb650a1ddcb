"""Template context of every console page: who is signed in and what they may open.

The navigation is computed here, from ``roles.can``, so that a menu item is
shown exactly when the page behind it would let the user in; templates never
compare role names.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from ssoconsole.accounts.access import signed_in_user
from ssoconsole.accounts.roles import Capability, can


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool
    section: str = ""


# (label, URL name, capability or None, section heading, URL prefixes that mark it active)
_NAV = (
    ("Dashboard", "console:dashboard", None, "", None),
    ("Organizations", "console:org_list", Capability.ORGS_VIEW, "", ("/console/orgs/",)),
    ("Users", "console:user_list", Capability.USERS_VIEW, "", ("/console/users/",)),
    (
        "Identity Management",
        "console:identity",
        Capability.IDENTITY_MANAGE,
        "Administration › Integrations",
        (
            "/console/administration/integrations/identity-management/",
            # Testing a provider (the sso app's pages) is part of Identity Management.
            "/console/identity-management/",
        ),
    ),
    ("Agents", "console:agent_list", Capability.AGENTS_MANAGE, "", ("/console/agents/",)),
    ("Audit log", "console:audit", Capability.AUDIT_VIEW, "", ("/console/audit/",)),
)


def nav_items(user, path: str) -> list[NavItem]:
    """Return the navigation entries ``user`` may open, marking the one that contains ``path``."""
    items = []
    for label, name, capability, section, prefixes in _NAV:
        if capability is not None and not can(user, capability):
            continue
        url = reverse(name)
        active = path.startswith(prefixes) if prefixes else path == url
        items.append(NavItem(label, url, active, section))
    return items


def console(request):
    """Expose the signed-in user, their tenant and the navigation to every template."""
    user = signed_in_user(request)
    if user is None:
        return {"console_user": None}
    return {
        "console_user": user,
        "console_tenant": user.tenant,
        "console_nav": nav_items(user, request.path),
    }
