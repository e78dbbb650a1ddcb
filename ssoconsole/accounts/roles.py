"""Roles and what each may do: the one place where authorization is decided.

Views, API endpoints and the CLI ask :func:`can` (or use the decorators of
``ssoconsole.accounts.access``) with a capability; no other code compares
role names.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    IDENTITY_ADMIN = "identity-admin", "Identity Management Administrator"
    ORG_ADMIN = "org-admin", "Organization Administrator"
    USER = "user", "User"


class Capability(models.TextChoices):
    ORGS_VIEW = "orgs.view", "See the organization tree"
    ORGS_MANAGE = "orgs.manage", "Create, rename and move organizations"
    ORGS_SSO = "orgs.sso", "Choose which organizations use single sign-on"
    USERS_VIEW = "users.view", "See users"
    USERS_MANAGE = "users.manage", "Create, edit and deactivate users"
    IDENTITY_MANAGE = "identity.manage", "Manage authentication providers and attribute mapping"
    AUDIT_VIEW = "audit.view", "Read the audit log"
    AGENTS_MANAGE = "agents.manage", "Revoke desktop agents of any user"
    LOCAL_USERS_MANAGE = (
        "local_users.manage",
        "Choose the local users who keep password sign-in under single sign-on",
    )


GRANTS: dict[str, frozenset[str]] = {
    Role.IDENTITY_ADMIN: frozenset(
        {
            Capability.IDENTITY_MANAGE,
            Capability.LOCAL_USERS_MANAGE,
            Capability.ORGS_SSO,
            Capability.ORGS_VIEW,
            Capability.USERS_VIEW,
            Capability.AUDIT_VIEW,
        }
    ),
    Role.ORG_ADMIN: frozenset(
        {
            Capability.ORGS_VIEW,
            Capability.ORGS_MANAGE,
            Capability.USERS_VIEW,
            Capability.USERS_MANAGE,
            Capability.AUDIT_VIEW,
            Capability.AGENTS_MANAGE,
            Capability.LOCAL_USERS_MANAGE,
        }
    ),
    Role.USER: frozenset(),
}


def capabilities_of(roles) -> frozenset[str]:
    """Return the union of the capabilities granted by ``roles``."""
    granted: set[str] = set()
    for role in roles:
        granted |= GRANTS.get(role, frozenset())
    return frozenset(granted)


def can(user, capability: str) -> bool:
    """Tell whether ``user`` (a signed-in, active ``accounts.User``) holds ``capability``."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return capability in capabilities_of(user.role_names)


def grantable_roles(user) -> list[str]:
    """Return the roles ``user`` may give to others: those granting nothing ``user`` lacks.

    Keeps an administrator from handing out (or taking for themselves) a role
    more powerful than their own, e.g. an org-admin making someone an
    identity-admin.
    """
    mine = capabilities_of(user.role_names) if can(user, Capability.USERS_MANAGE) else frozenset()
    return [role for role in Role.values if GRANTS.get(role, frozenset()) <= mine]


def roles_within(user) -> list[str]:
    """Return the roles whose every capability ``user`` holds (whatever those capabilities are).

    Unlike :func:`grantable_roles`, this does not ask for users.manage: it
    answers "is this account no more powerful than mine?", which is what
    decides whether an identity-admin may put a colleague on local sign-in.
    """
    if not can(user, Capability.LOCAL_USERS_MANAGE):
        return []
    mine = capabilities_of(user.role_names)
    return [role for role in Role.values if GRANTS.get(role, frozenset()) <= mine]
