"""Who may move an organization when the move changes how people sign in.

Moving an org changes what its subtree inherits: an org that inherited
password sign-in can land under an SSO org, and its users lose their
passwords at the next sign-in. That is a decision about single sign-on
(``orgs.sso``), not only about the tree (``orgs.manage``), and it is a change
to each of those users, so it may never reach a user the actor could not
manage (one holding a role the actor cannot grant): an org-admin once moved
an identity-admin's org under an SSO org and locked them out of password
sign-in. Users who keep password sign-in as local users are not affected.

A move that changes no user's effective sign-in method needs only ``orgs.manage``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from ssoconsole.accounts.models import RoleAssignment, User
from ssoconsole.accounts.roles import Capability, can, grantable_roles
from ssoconsole.tenancy.errors import OrgMoveChangesSignIn, OrgMoveReachesUnmanageableUsers
from ssoconsole.tenancy.inheritance import EffectiveSSO, OrgSetting, effective_sso_for_all
from ssoconsole.tenancy.models import Organization

LISTED = 20  # users named in a refusal; the count says how many more


@dataclass(frozen=True)
class AffectedUser:
    username: str
    roles: tuple[str, ...]
    before: EffectiveSSO
    after: EffectiveSSO


def sign_in_changes(org: Organization, new_parent: Organization) -> dict[UUID, tuple]:
    """Return ``{org_id: (before, after)}`` for every org whose effective setting the move changes."""
    rows = Organization.objects.filter(tenant_id=org.tenant_id).values_list(
        "id", "parent_id", "sso_mode", "sso_provider_id"
    )
    before = {r[0]: OrgSetting(*r) for r in rows}
    after = dict(before)
    after[org.id] = replace(before[org.id], parent_id=new_parent.id)
    was, will = effective_sso_for_all(before), effective_sso_for_all(after)
    return {
        oid: (was[oid], will[oid])
        for oid in will
        if (was[oid].mode, was[oid].provider_id) != (will[oid].mode, will[oid].provider_id)
    }


def affected_users(changes: dict[UUID, tuple]) -> list[AffectedUser]:
    """Return the users whose sign-in method the changes alter (local users keep passwords)."""
    if not changes:
        return []
    users = list(
        User.objects.filter(org_id__in=list(changes), local_sign_in=False)
        .order_by("username")
        .values_list("id", "username", "org_id")
    )
    roles: dict[UUID, list[str]] = {}
    for user_id, role in RoleAssignment.objects.filter(
        user_id__in=[u[0] for u in users]
    ).values_list("user_id", "role"):
        roles.setdefault(user_id, []).append(role)
    return [
        AffectedUser(username, tuple(sorted(roles.get(uid, []))), *changes[org_id])
        for uid, username, org_id in users
    ]


def check_move(actor, org: Organization, new_parent: Organization) -> None:
    """Refuse the move when it changes sign-in for users ``actor`` cannot manage, or lacks ``orgs.sso``.

    ``actor`` of ``None`` is the CLI or the system. Both refusals name the
    users (up to :data:`LISTED`) and what would change for them.
    """
    if actor is None:
        return
    users = affected_users(sign_in_changes(org, new_parent))
    if not users:
        return
    grantable = set(grantable_roles(actor))
    above = [u for u in users if set(u.roles) - grantable]
    move = f"Moving “{org.name}” under “{new_parent.name}”"
    if above:
        raise OrgMoveReachesUnmanageableUsers(
            f"{move} would change how users you cannot manage sign in: "
            + _list(above, with_roles=grantable)
            + ". Ask an administrator who holds their roles to make this move, or choose a "
            "parent with the same sign-in setting.",
            field="parentId",
            details={"users": [u.username for u in above[:LISTED]], "userCount": len(above)},
        )
    if not can(actor, Capability.ORGS_SSO):
        raise OrgMoveChangesSignIn(
            f"{move} would change how {len(users)} user{'s' if len(users) != 1 else ''} sign in: "
            + _list(users)
            + ". Choosing who uses single sign-on needs the Identity Management Administrator "
            "role: ask one to make this move, or choose a parent with the same sign-in setting.",
            field="parentId",
            details={"users": [u.username for u in users[:LISTED]], "userCount": len(users)},
        )


def _method(effective: EffectiveSSO) -> str:
    return "single sign-on" if effective.uses_sso else "password sign-in"


def _list(users: list[AffectedUser], with_roles: set[str] | None = None) -> str:
    parts = []
    for u in users[:LISTED]:
        change = (
            f"from {_method(u.before)} to {_method(u.after)}"
            if u.before.uses_sso != u.after.uses_sso
            else "to another identity provider"
        )
        held = ""
        if with_roles is not None:
            held = f", who holds {', '.join(sorted(set(u.roles) - with_roles))}"
        parts.append(f"{u.username} ({change}{held})")
    more = len(users) - LISTED
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
