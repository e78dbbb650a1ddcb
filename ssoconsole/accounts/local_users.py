"""Reading the tenant's local users: the list the Identity Management screen and the API show.

Changing who is a local user goes through ``services.set_local_sign_in``
(audited, permission-checked); this module only reads, so the console and the
API show the same rows in the same order.
"""

from __future__ import annotations

from ssoconsole.accounts.errors import UserNotFound
from ssoconsole.accounts.models import User
from ssoconsole.accounts.services import match_username, validate_username


def local_users_of(tenant):
    """Return the tenant's local users with their orgs, ordered by username."""
    return (
        User.objects.filter(tenant=tenant, local_sign_in=True)
        .select_related("org")
        .order_by("username", "id")
    )


def candidates_of(tenant, limit: int = 500):
    """Return usernames of the tenant's active users who are not local users, for the "Add local user" picker."""
    users = User.objects.filter(tenant=tenant, local_sign_in=False, is_active=True).order_by(
        "username"
    )
    return list(users.values_list("username", flat=True)[:limit])


def user_by_username(tenant, username, field: str = "username") -> User:
    """Return the tenant's user named ``username`` (any case); another tenant's user is not found either."""
    username = validate_username(username, field=field)
    user = match_username(
        User.objects.filter(tenant=tenant).select_related("org", "tenant"), username
    )
    if user is None:
        raise UserNotFound(f"No user named “{username}” in your tenant.", field=field)
    return user
