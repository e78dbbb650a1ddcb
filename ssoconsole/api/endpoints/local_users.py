"""Local users: the users who keep password sign-in when their org uses SSO (for troubleshooting the IdP).

Both the Identity Management Administrator and the Organization
Administrator hold local_users.manage; ``accounts.services.set_local_sign_in``
refuses a user more powerful than the caller and audits every change.
"""

from __future__ import annotations

from uuid import UUID

from django.db import transaction
from ninja import Query

from ssoconsole.accounts import services
from ssoconsole.accounts.local_users import local_users_of
from ssoconsole.accounts.roles import Capability
from ssoconsole.api.auth import access, caller_of
from ssoconsole.api.pagination import paginate
from ssoconsole.api.router import ApiRouter
from ssoconsole.api.schemas.local_users import (
    LocalUserListQuery,
    LocalUserOut,
    LocalUserPage,
    LocalUserUpdate,
)

router = ApiRouter(tags=["identity"])
LOCAL_USERS = Capability.LOCAL_USERS_MANAGE


@router.get("/local-users", response=LocalUserPage, auth=access(LOCAL_USERS))
def list_local_users(request, query: Query[LocalUserListQuery]):
    """List the tenant's local users, ordered by username.

    `hasPassword` false (with a `warning`) marks a local user who cannot sign in until a password is set.
    """
    tenant = caller_of(request).tenant
    return paginate(local_users_of(tenant), query, lambda rows: [LocalUserOut.of(u) for u in rows])


@router.put("/local-users/{uuid:userId}", response=LocalUserOut, auth=access(LOCAL_USERS))
def set_local_user(request, userId: UUID, payload: LocalUserUpdate):  # noqa: N803 - the path names it userId
    """Make a user a local user or end it.

    `enabled: true` keeps password sign-in for the user even when their org uses SSO; `false` ends it.
    Each change is audited as `user.local_sign_in_changed`, with the value before and after. Enabling a user who has no password succeeds, with `hasPassword` false and a `warning`: an
    Organization Administrator sets the password. A user holding a role with permissions the caller
    lacks is refused (403 `user_not_manageable`).
    """
    caller = caller_of(request)
    with transaction.atomic():
        user = services.get_user(caller.tenant, userId)
        services.set_local_sign_in(user, payload.enabled, actor=caller.user, request=request)
    return LocalUserOut.of(user)
