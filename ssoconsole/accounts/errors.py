"""The accounts app's registry of error codes: users, roles, passwords, API tokens, sign-in."""

from __future__ import annotations

import math
from typing import Any

from ssoconsole.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed


class UsernameRequired(ValidationFailed):
    """The username is empty."""

    code = "username_required"


class UsernameTooLong(ValidationFailed):
    """The username is longer than an email address may be."""

    code = "username_too_long"


class UsernameInvalid(ValidationFailed):
    """The username is not in the form name@domain."""

    code = "username_invalid"


class EmailInvalid(ValidationFailed):
    """The email address is not valid."""

    code = "email_invalid"


class RoleUnknown(ValidationFailed):
    """A role name is not one of the product's roles."""

    code = "role_unknown"


class RoleNotGrantable(Forbidden):
    """The caller may not grant this role."""

    code = "role_not_grantable"


class UserNotManageable(Forbidden):
    """The user is outside the caller's organizations, or holds roles the caller cannot manage."""

    code = "user_not_manageable"


class PasswordTooShort(ValidationFailed):
    """The password is shorter than the minimum length."""

    code = "password_too_short"


class PasswordTooLong(ValidationFailed):
    """The password is longer than the maximum length."""

    code = "password_too_long"


class UsernameTaken(Conflict):
    """Another user of the deployment has this username (usernames are unique across tenants)."""

    code = "username_taken"


class UserNotFound(NotFound):
    """No user with this id or name in the caller's tenant."""

    code = "user_not_found"


class CannotDeactivateSelf(ValidationFailed):
    """An administrator tried to deactivate their own account."""

    code = "cannot_deactivate_self"


class ApiTokenNotFound(NotFound):
    """The caller has no unrevoked API token with this id."""

    code = "api_token_not_found"


class Throttled(DomainError):
    """Too many recent failures; ``retry_after`` says how many seconds to wait."""

    status = 429
    code = "throttled"

    def __init__(self, rule: Any, retry_after: int) -> None:
        # A failure limit waits minutes; a rate (accounts.throttle.Bucket) usually seconds.
        if retry_after < 60:
            wait = f"{retry_after} second{'s' if retry_after != 1 else ''}"
        else:
            minutes = math.ceil(retry_after / 60)
            wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
        super().__init__(
            f"Too many {rule.noun} {rule.what}. Wait {wait} and try again.",
            details={"retryAfterSeconds": retry_after, "scope": rule.scope},
        )
        self.rule = rule
        self.retry_after = retry_after


class SignInRefused(DomainError):
    """A password sign-in attempt failed; ``code`` is also the audit reason."""

    status = 401
    code = "signin_failed"


class UnknownUsername(SignInRefused):
    """No user has this username (the person is told the same as for a wrong password)."""

    code = "unknown_user"


class WrongPassword(SignInRefused):
    """The password does not match the user's."""

    code = "bad_password"


class PasswordNotAllowed(SignInRefused):
    """The user's organization signs in with single sign-on, not a password."""

    status = 403
    code = "sso_required"


class AccountInactive(SignInRefused):
    """The password is right but the account is deactivated (said only after a correct password)."""

    status = 403
    code = "account_inactive"
