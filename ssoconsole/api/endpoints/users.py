"""Users: search, create, edit, deactivate and reactivate."""

from __future__ import annotations

from uuid import UUID

from django.db import transaction
from ninja import Query
from ninja.responses import Status

from ssoconsole.accounts import services
from ssoconsole.accounts.models import RoleAssignment, User
from ssoconsole.accounts.roles import Capability
from ssoconsole.accounts.search import search_users
from ssoconsole.accounts.services import username_lookup, with_username_lower
from ssoconsole.api.auth import access, caller_of
from ssoconsole.api.pagination import COUNT_MAX, paginate
from ssoconsole.api.router import ApiRouter
from ssoconsole.api.schemas.users import UserCreate, UserListQuery, UserOut, UserPage, UserUpdate
from ssoconsole.tenancy.services import get_org

router = ApiRouter(tags=["users"])

# PATCH field -> keyword of accounts.services.update_user
_UPDATABLE = {
    "username": "username",
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "roles": "roles",
    "local_sign_in": "local_sign_in",
}


def _present(users: list[User]) -> list[UserOut]:
    """Build the page's items with one query for all their roles."""
    roles: dict = {}
    for user_id, role in RoleAssignment.objects.filter(user__in=users).values_list(
        "user_id", "role"
    ):
        roles.setdefault(user_id, []).append(role)
    return [UserOut.of(u, sorted(roles.get(u.id, []))) for u in users]


@router.get("/users", response=UserPage, auth=access(Capability.USERS_VIEW))
def list_users(request, query: Query[UserListQuery]):
    """Search the tenant's users, ordered by username.

    ``username`` matches exactly (any case); ``q`` matches part of the username, name or email
    (3 characters or more; shorter, the beginning of the username). ``total`` counts up to
    10,000 (``totalIsExact`` is false beyond).
    """
    tenant = caller_of(request).tenant
    users = User.objects.order_by("username", "id")
    if query.username is not None:
        users = with_username_lower(users).filter(username_lookup(query.username.strip()))
    if query.org_id is not None:
        users = users.filter(org=get_org(tenant, query.org_id))
    # The tenant condition comes with the search (its form matters to SQLite's plan).
    users = search_users(tenant, query.q or "", words=False, queryset=users)
    if query.active is not None:
        users = users.filter(is_active=query.active)
    if query.role is not None:
        users = users.filter(roles__role=query.role.value)
    return paginate(users, query, _present, count_max=COUNT_MAX)


@router.post("/users", response={201: UserOut}, auth=access(Capability.USERS_MANAGE))
def create_user(request, payload: UserCreate):
    """Create a user in an org of the tenant; usernames are unique in the deployment in any case."""
    caller = caller_of(request)
    user = services.create_user(
        caller.tenant,
        payload.username,
        org=get_org(caller.tenant, payload.org_id),
        first_name=payload.first_name,
        last_name=payload.last_name,
        email=payload.email,
        roles=[r.value for r in payload.roles] if payload.roles is not None else None,
        password=payload.password,
        actor=caller.user,
        request=request,
    )
    return Status(201, UserOut.of(user))


@router.get("/users/{uuid:id}", response=UserOut, auth=access(Capability.USERS_VIEW))
def get_user(request, id: UUID):
    """Return one user of the tenant."""
    return UserOut.of(services.get_user(caller_of(request).tenant, id))


@router.patch("/users/{uuid:id}", response=UserOut, auth=access(Capability.USERS_MANAGE))
def update_user(request, id: UUID, payload: UserUpdate):
    """Change a user's username, names, email, org, roles, local sign-in or password; send only what changes."""
    caller = caller_of(request)
    sent = payload.model_fields_set
    with transaction.atomic():
        user = services.get_user(caller.tenant, id)
        changes = {kw: getattr(payload, name) for name, kw in _UPDATABLE.items() if name in sent}
        if "roles" in changes:
            changes["roles"] = [r.value for r in changes["roles"]]
        if "org_id" in sent:
            changes["org"] = get_org(caller.tenant, payload.org_id)
        services.update_user(user, actor=caller.user, request=request, **changes)
        if "password" in sent:
            services.set_password(user, payload.password, actor=caller.user, request=request)
    return UserOut.of(user)


@router.post("/users/{uuid:id}/deactivate", response=UserOut, auth=access(Capability.USERS_MANAGE))
def deactivate_user(request, id: UUID):
    """Deactivate a user: their sessions end and their API tokens stop working. You cannot deactivate yourself."""
    caller = caller_of(request)
    user = services.set_active(
        services.get_user(caller.tenant, id), False, actor=caller.user, request=request
    )
    return UserOut.of(user)


@router.post("/users/{uuid:id}/reactivate", response=UserOut, auth=access(Capability.USERS_MANAGE))
def reactivate_user(request, id: UUID):
    """Reactivate a deactivated user."""
    caller = caller_of(request)
    user = services.set_active(
        services.get_user(caller.tenant, id), True, actor=caller.user, request=request
    )
    return UserOut.of(user)
