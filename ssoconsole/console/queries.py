"""Read-only queries behind the console's lists, always scoped to one tenant.

Writes go through the services; these only select, filter and batch-load
what a page shows, so that a list of 50 users costs a fixed number of queries.
"""

from __future__ import annotations

from ssoconsole.accounts.models import RoleAssignment
from ssoconsole.accounts.search import search_users as search_users_by_text
from ssoconsole.audit.models import AuditEvent


def search_users(tenant, *, text: str = "", org_id=None, active: bool | None = None):
    """Return the tenant's users matching every word of ``text`` in username, names or email.

    Words of 3+ characters match anywhere; a search of only shorter words is a
    username prefix (``accounts.search``, served by an index on both databases).
    """
    qs = search_users_by_text(tenant, text, words=True)
    qs = qs.select_related("org")
    if org_id is not None:
        qs = qs.filter(org_id=org_id)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("username")


def load_roles(users) -> None:
    """Fill ``role_names`` of many users with one query instead of one per user."""
    users = list(users)
    by_user: dict = {u.id: [] for u in users}
    for user_id, role in RoleAssignment.objects.filter(user_id__in=by_user).values_list(
        "user_id", "role"
    ):
        by_user[user_id].append(role)
    for user in users:
        user._role_names = sorted(by_user[user.id])


def audit_events(
    tenant,
    *,
    actor: str = "",
    action: str = "",
    outcome: str = "",
    reason: str = "",
    provider_id=None,
    since=None,
    until=None,
):
    """Return the tenant's audit events, newest first, filtered as the audit log page asks.

    ``reason`` is a refusal's exact code; ``provider_id`` keeps the sign-ins
    through one authentication provider (the links of the sign-in activity chart).
    """
    qs = AuditEvent.objects.filter(tenant=tenant)
    if reason:
        qs = qs.filter(reason_code=reason)
    if provider_id:
        qs = qs.filter(provider_id=provider_id)
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    if action:
        qs = qs.filter(action=action)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    return qs.order_by("-created_at", "-id")


def audit_actions(tenant) -> list[str]:
    """Return the distinct actions recorded in the tenant, for the action filter."""
    # order_by() drops the model's default ordering, which DISTINCT would otherwise include.
    return sorted(
        AuditEvent.objects.filter(tenant=tenant)
        .order_by()
        .values_list("action", flat=True)
        .distinct()
    )


def events_about(tenant, target_id, limit: int = 10):
    return list(
        AuditEvent.objects.filter(tenant=tenant, target_id=str(target_id)).order_by("-created_at")[
            :limit
        ]
    )
