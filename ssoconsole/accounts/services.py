"""Operations on users, roles and API tokens, used by the API, the console and the CLI."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from uuid import UUID

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Lower

from ssoconsole.accounts.errors import (
    CannotDeactivateSelf,
    EmailInvalid,
    PasswordTooLong,
    PasswordTooShort,
    RoleNotGrantable,
    RoleUnknown,
    UsernameDomainVerifiedElsewhere,
    UsernameInvalid,
    UsernameRequired,
    UsernameTaken,
    UsernameTooLong,
    UserNotFound,
    UserNotManageable,
)
from ssoconsole.accounts.models import ApiToken, RoleAssignment, User
from ssoconsole.accounts.roles import Capability, Role, can, grantable_roles, roles_within
from ssoconsole.accounts.username_rule import (
    USERNAME_MAX,  # noqa: F401 - re-exported: the forms and schemas read it here
    describe_char,
    same_username,
    text_control_char,
    username_problem,
)
from ssoconsole.audit.log import diff, record
from ssoconsole.core import clock
from ssoconsole.core.changes import unchanged_on_error_of_first_argument
from ssoconsole.core.errors import (
    Conflict,
    Forbidden,
    InvalidType,
    TextControlCharacter,
    TooLong,
)
from ssoconsole.core.prepared_query import PreparedQuery
from ssoconsole.tenancy.domains import verifying_tenant_id
from ssoconsole.tenancy.errors import OrgNotFound
from ssoconsole.tenancy.models import Organization, Tenant

NAME_MAX = 150
PASSWORD_MIN = 12
TOKEN_PREFIX = "ssoc_"


# The username rule's codes, each a class of the accounts registry.
_USERNAME_PROBLEMS = {cls.code: cls for cls in (UsernameRequired, UsernameTooLong, UsernameInvalid)}


def validate_username(value, field: str = "username") -> str:
    """Return the username exactly as given, or raise ``ValidationFailed`` naming what breaks the rule.

    Nothing is trimmed: :func:`ssoconsole.accounts.username_rule.username_problem`
    is the one rule for forms, the API, SCIM and identity providers alike.
    Case is kept for display and compared case-insensitively everywhere.
    """
    problem = username_problem(value)
    if problem is not None:
        raise _USERNAME_PROBLEMS[problem.code](
            problem.message,
            field=field,
            details={"reason": problem.reason} if problem.reason else None,
        )
    return value


def _clean_text(value, field: str, limit: int = NAME_MAX) -> str:
    """Return a name or email trimmed; refuse over-long ones and control or bidi characters.

    A bidi override (U+202E) in a name reverses how the rest of a console
    line reads, and a control character breaks logs and exports; neither
    belongs in a person's name.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidType(f"{field} must be text.", field=field)
    value = value.strip()
    if len(value) > limit:
        raise TooLong(f"{field} is at most {limit} characters long.", field=field)
    bad = text_control_char(value)
    if bad is not None:
        raise TextControlCharacter(
            f"{field} contains a control or text-direction character ({describe_char(bad)}); "
            "remove it.",
            field=field,
        )
    return value


def _clean_email(value) -> str:
    value = _clean_text(value, "email", 254)
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise EmailInvalid("Enter a valid email address.", field="email") from None
    return value


def _clean_roles(roles) -> list[str]:
    if roles is None:
        return [Role.USER]
    if not isinstance(roles, (list, tuple)) or not all(isinstance(r, str) for r in roles):
        raise InvalidType("roles must be a list of role names.", field="roles")
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise RoleUnknown(
            f"Unknown role {', '.join(unknown)}; choose from {', '.join(Role.values)}.",
            field="roles",
        )
    return sorted(set(roles)) or [Role.USER]


def check_role_change(actor, before, after) -> None:
    """Refuse a change of roles that ``actor`` could not hold themselves.

    An administrator may only grant or take away roles whose permissions they
    have, so an org-admin cannot make anyone (themselves included) an
    identity-admin. ``actor`` of ``None`` is the CLI or the system.
    """
    if actor is None:
        return
    changed = set(before) ^ set(after)
    refused = sorted(changed - set(grantable_roles(actor)))
    if refused:
        raise RoleNotGrantable(
            f"You cannot grant or remove the role {', '.join(refused)}: it carries permissions you do not have. "
            "Ask an administrator who has that role.",
            field="roles",
        )


def check_can_manage(actor, user: User) -> None:
    """Refuse any change to ``user`` by an ``actor`` who could not grant all of ``user``'s roles.

    Setting a password, local sign-in, the username or the active flag of a
    more privileged user is taking over (or locking out) that account: an
    org-admin could otherwise set an identity-admin's password and sign in as
    them. ``actor`` of ``None`` is the CLI or the system.
    """
    if actor is None:
        return
    above = sorted(set(user.role_names) - set(grantable_roles(actor)))
    if above:
        raise UserNotManageable(
            f"You cannot change {user.username}: they hold the role {', '.join(above)}, which carries permissions "
            "you do not have. Ask an administrator who has that role.",
        )


def validate_password(password) -> str:
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        raise PasswordTooShort(
            f"Passwords are at least {PASSWORD_MIN} characters long.",
            field="password",
        )
    if len(password) > 1024:
        raise PasswordTooLong(
            "Passwords are at most 1024 characters long.",
            field="password",
        )
    return password


def user_snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "orgId": str(user.org_id),
        "active": user.is_active,
        "roles": list(user.role_names),
        "localSignIn": user.local_sign_in,
    }


def check_username_domain(tenant: Tenant, username: str) -> None:
    """Refuse ``username`` in ``tenant`` when another tenant verified its domain (or a parent).

    Called before the username is looked up, so the answer is the same whether
    or not a user with this name exists anywhere (docs/security.md,
    "Cross-tenant usernames").
    """
    owner = verifying_tenant_id(username)
    if owner is not None and owner != tenant.id:
        raise UsernameDomainVerifiedElsewhere(
            "Usernames at this domain can only be created by the organization that verified the "
            "domain. Use a username at one of your own domains, or ask the domain's owner to "
            "create the account.",
            field="username",
        )


def users_at_domain_elsewhere(domain) -> int:
    """Count users outside ``domain``'s tenant whose username is at the domain or a subdomain."""
    lower = Lower("username")
    return (
        User.objects.exclude(tenant_id=domain.tenant_id)
        .annotate(username_lower=lower)
        .filter(
            Q(username_lower__endswith="@" + domain.name)
            | Q(username_lower__endswith="." + domain.name, username_lower__contains="@")
        )
        .count()
    )


def username_taken(username: str, exclude_id=None) -> bool:
    qs = with_username_lower(User.objects).filter(username_lookup(username))
    if exclude_id is not None:
        qs = qs.exclude(id=exclude_id)
    return qs.exists()


def _taken_error() -> Conflict:
    return UsernameTaken(
        "This username is already in use (usernames are compared without regard to case).",
        field="username",
    )


@transaction.atomic
def create_user(
    tenant: Tenant,
    username,
    *,
    org: Organization,
    first_name=None,
    last_name=None,
    email=None,
    roles=None,
    password=None,
    actor=None,
    actor_label: str | None = None,
    request=None,
) -> User:
    """Create a user in ``org``; the username must be free in the whole deployment, in any case.

    A username at a domain another tenant verified is refused before the
    username is looked up (``check_username_domain``), so the refusal does not
    tell whether it exists. The console, the API, the CLI and SCIM all create
    users here, so the rule holds for each.
    """
    if org.tenant_id != tenant.id:
        raise OrgNotFound("No organization with this id in your tenant.", field="orgId")
    username = validate_username(username)
    check_username_domain(tenant, username)
    user = User(
        tenant=tenant,
        org=org,
        username=username,
        first_name=_clean_text(first_name, "firstName"),
        last_name=_clean_text(last_name, "lastName"),
        email=_clean_email(email),
    )
    role_names = _clean_roles(roles)
    check_role_change(actor, [], role_names)
    user.password = (
        make_password(validate_password(password)) if password is not None else make_password(None)
    )
    if username_taken(username):
        raise _taken_error()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise _taken_error() from None
    RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=r) for r in role_names])
    user._role_names = role_names
    record(
        "user.created",
        tenant=tenant,
        actor=actor,
        actor_label=actor_label,
        target=user,
        data={"after": user_snapshot(user)},
        request=request,
    )
    return user


def get_user(tenant: Tenant, user_id) -> User:
    from ssoconsole.tenancy.services import _uuid

    try:
        return User.objects.select_related("org").get(tenant=tenant, id=_uuid(user_id, "userId"))
    except User.DoesNotExist:
        raise UserNotFound("No user with this id in your tenant.") from None


def username_lookup(username: str) -> Q:
    """Return the condition "username equals ``username`` in any case", in the unique index's own terms.

    ``LOWER(username) = LOWER(%s)`` is the expression of the unique index
    ``accounts_username_unique_ci``, so the database finds the row through
    that index on SQLite and PostgreSQL alike. ``username__iexact`` reads
    the same but compiles to ``LIKE`` (SQLite) or ``UPPER(...) = UPPER(...)``
    (PostgreSQL), which no index serves: every sign-in then scanned the user
    table twice. The database folds both sides with the same function, so
    the candidates are the rows the unique index treats as this name;
    :func:`same_username` then keeps the Unicode rule on top.
    """
    return Q(username_lower=Lower(Value(username)))


def with_username_lower(queryset):
    """Annotate ``queryset`` with the indexed expression that :func:`username_lookup` compares."""
    return queryset.annotate(username_lower=Lower("username"))


def match_username(queryset, username: str) -> User | None:
    """Return the user of ``queryset`` whose username is ``username`` in any case (see :func:`same_username`).

    ``username`` is matched as given, never trimmed: a value with a trailing
    EM SPACE is another name, not this user's.
    """
    # No ORDER BY (the model orders by username): at most one row per folded name.
    candidates = with_username_lower(queryset).filter(username_lookup(username)).order_by()
    for user in candidates[:10]:
        if same_username(user.username, username):
            return user
    return None


def _pick(candidates, username: str) -> User | None:
    """The candidate that is ``username`` under :func:`same_username`, or ``None``."""
    for user in candidates:
        if same_username(user.username, username):
            return user
    return None


# The two username lookups of every sign-in (the login step, the ACS), compiled once per
# process: the same SQL as ``match_username`` builds, without building it each time.
_USER_BY_USERNAME = PreparedQuery(
    User,
    lambda username: (
        with_username_lower(User.objects.select_related("org", "tenant"))
        .filter(username_lookup(username))
        .order_by()[:10]
    ),
    str,
)
_TENANT_USER_BY_USERNAME = PreparedQuery(
    User,
    lambda tenant_id, username: (
        with_username_lower(User.objects.select_related("org", "tenant"))
        .filter(username_lookup(username), tenant_id=tenant_id)
        .order_by()[:10]
    ),
    UUID,
    str,
)


def find_user_by_username(username: str) -> User | None:
    """Return the user with ``username`` in any case (with org and tenant), or ``None``."""
    return _pick(_USER_BY_USERNAME(username), username)


def find_tenant_user_by_username(tenant_id: UUID, username: str) -> User | None:
    """Return ``tenant_id``'s user with ``username`` in any case (with org and tenant), or ``None``."""
    return _pick(_TENANT_USER_BY_USERNAME(tenant_id, username), username)


@unchanged_on_error_of_first_argument
@transaction.atomic
def update_user(
    user: User, *, actor=None, actor_label: str | None = None, request=None, **changes
) -> User:
    """Apply ``changes`` (username, first_name, last_name, email, org, roles, local_sign_in).

    ``local_sign_in`` goes through :func:`set_local_sign_in` and its own audit event.
    """
    check_can_manage(actor, user)
    before = user_snapshot(user)
    if "roles" in changes:
        check_role_change(actor, user.role_names, _clean_roles(changes["roles"]))
    if "username" in changes:
        username = validate_username(changes["username"])
        if username.lower() != user.username.lower():
            # A rename is a creation of the new name: the same rule, in the same order.
            check_username_domain(user.tenant, username)
            if username_taken(username, exclude_id=user.id):
                raise _taken_error()
        user.username = username
    if "first_name" in changes:
        user.first_name = _clean_text(changes["first_name"], "firstName")
    if "last_name" in changes:
        user.last_name = _clean_text(changes["last_name"], "lastName")
    if "email" in changes:
        user.email = _clean_email(changes["email"])
    if "org" in changes:
        org = changes["org"]
        if org.tenant_id != user.tenant_id:
            raise OrgNotFound("No organization with this id in your tenant.", field="orgId")
        user.org = org
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise _taken_error() from None
    if "roles" in changes:
        set_roles(user, changes["roles"])
    after = user_snapshot(user)
    if after != before:
        record(
            "user.updated",
            tenant=user.tenant,
            actor=actor,
            actor_label=actor_label,
            target=user,
            data=diff(before, after),
            request=request,
        )
    if "local_sign_in" in changes:
        # One audit action for every way local sign-in changes (edit form, PATCH, Local users card).
        set_local_sign_in(user, bool(changes["local_sign_in"]), actor=actor, request=request)
    return user


def set_roles(user: User, roles) -> None:
    names = _clean_roles(roles)
    RoleAssignment.objects.filter(user=user).exclude(role__in=names).delete()
    have = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role=r) for r in names if r not in have]
    )
    user._role_names = names


@unchanged_on_error_of_first_argument
@transaction.atomic
def set_active(
    user: User, active: bool, *, actor=None, actor_label: str | None = None, request=None
) -> User:
    """Deactivate (or reactivate) a user; a deactivated user can no longer sign in or use tokens."""
    if actor is not None and actor.id == user.id and not active:
        raise CannotDeactivateSelf("You cannot deactivate yourself.")
    check_can_manage(actor, user)
    if user.is_active == active:
        return user
    user.is_active = active
    user.deactivated_at = None if active else clock.now()
    user.save(update_fields=["is_active", "deactivated_at", "updated_at"])
    if not active:
        end_sessions_of(user)
    record(
        "user.reactivated" if active else "user.deactivated",
        tenant=user.tenant,
        actor=actor,
        actor_label=actor_label,
        target=user,
        data={"before": {"active": not active}, "after": {"active": active}},
        request=request,
    )
    return user


@transaction.atomic
def set_password(user: User, password, *, actor=None, request=None) -> None:
    check_can_manage(actor, user)
    user.password = make_password(validate_password(password))
    user.save(update_fields=["password", "updated_at"])
    record("user.password_set", tenant=user.tenant, actor=actor, target=user, request=request)


NO_PASSWORD_WARNING = (
    "{username} has no password yet, so they cannot sign in with one: ask an Organization Administrator "
    "to set a password for them."
)


def check_can_set_local_sign_in(actor, user: User) -> None:
    """Refuse local sign-in changes by an ``actor`` without the capability or facing a more powerful ``user``.

    This is :func:`check_can_manage` for the one change an Identity Management
    Administrator may make without users.manage: a user whose roles carry a
    permission the actor lacks stays out of reach, so an identity-admin cannot
    switch an org-admin to password sign-in (nor an org-admin an identity-admin).
    ``actor`` of ``None`` is the CLI or the system.
    """
    if actor is None:
        return
    if not can(actor, Capability.LOCAL_USERS_MANAGE):
        raise Forbidden(
            f"Choosing local users needs the “{Capability.LOCAL_USERS_MANAGE.value}” permission.",
            details={"capability": Capability.LOCAL_USERS_MANAGE.value},
        )
    if actor.tenant_id != user.tenant_id:
        raise UserNotFound("No user with this id in your tenant.")
    above = sorted(set(user.role_names) - set(roles_within(actor)))
    if above:
        raise UserNotManageable(
            f"You cannot change {user.username}: they hold the role {', '.join(above)}, which carries permissions "
            "you do not have. Ask an administrator who has that role.",
        )


def password_warning(user: User) -> str | None:
    """Return why a local user cannot sign in yet (no usable password), or ``None``."""
    if user.local_sign_in and not user.has_usable_password():
        return NO_PASSWORD_WARNING.format(username=user.username)
    return None


@unchanged_on_error_of_first_argument
@transaction.atomic
def set_local_sign_in(user: User, enabled: bool, *, actor=None, request=None) -> User:
    """Make ``user`` a local user (password sign-in even under SSO) or end it; audited with before and after.

    Local users are the way back in when the identity provider fails, so the
    Identity Management Administrator may choose them (see
    :func:`check_can_set_local_sign_in`). Enabling a user without a password is
    allowed, since an org-admin may set one later; :func:`password_warning`
    tells the caller to say so. An unchanged value records nothing.
    """
    if not isinstance(enabled, bool):
        raise InvalidType("enabled must be true or false.", field="enabled")
    check_can_set_local_sign_in(actor, user)
    if user.local_sign_in == enabled:
        return user
    user.local_sign_in = enabled
    user.save(update_fields=["local_sign_in", "updated_at"])
    record(
        "user.local_sign_in_changed",
        tenant=user.tenant,
        actor=actor,
        target=user,
        data={"before": {"localSignIn": not enabled}, "after": {"localSignIn": enabled}},
        request=request,
    )
    return user


def end_sessions_of(user: User) -> None:
    """Delete every console session of ``user`` (sessions are keyed by user id in the session data)."""
    from ssoconsole.accounts.sessions import end_all_sessions

    end_all_sessions(user)


# --- API tokens -----------------------------------------------------------------


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_api_token(
    user: User,
    *,
    name: str = "",
    expires_at: datetime | None = None,
    actor=None,
    actor_label: str | None = None,
    request=None,
) -> tuple[str, ApiToken]:
    """Create a token for ``user`` and return it in clear text once, with its record.

    ``expires_at`` (optional) ends the token's validity without anyone having to revoke it.
    """
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=_clean_text(name, "name", 100),
        prefix=raw[:12],
        token_hash=_hash_token(raw),
        expires_at=expires_at,
    )
    record(
        "api_token.created",
        tenant=user.tenant,
        actor=actor,
        actor_label=actor_label,
        target=token,
        target_label=f"{user.username} {token.prefix}…",
        request=request,
    )
    return raw, token


def user_for_token(raw: str, *, now: datetime | None = None) -> User | None:
    """Return the active user of a valid, unrevoked, unexpired token, or ``None``."""
    if not raw or len(raw) > 200 or not raw.startswith(TOKEN_PREFIX):
        return None
    now = now or clock.now()
    token = (
        ApiToken.objects.select_related("user", "user__tenant", "user__org")
        .filter(token_hash=_hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or (token.expires_at and token.expires_at <= now) or not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(id=token.id).update(last_used_at=now)
    return token.user


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor=None, request=None) -> None:
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        record(
            "api_token.revoked",
            tenant=token.user.tenant,
            actor=actor,
            target=token,
            request=request,
        )
