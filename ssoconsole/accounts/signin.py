"""The username-first sign-in decision and password sign-in (docs/rules.md#urls, docs/rules.md#sign-in-endpoints).

:func:`next_step_for` is the one place that decides what follows the
username: a password field, single sign-on with the org's provider, or a
list of providers. The ``sso`` app plugs its flow in through
:func:`register_sso_flow`; until it does, an SSO user gets a page that says
single sign-on is not available yet, and never a password field.

An unknown username gets the password step too and fails like a wrong
password, so that the page does not tell strangers which accounts exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from django.contrib.auth.hashers import make_password

from ssoconsole.accounts import known_devices, throttle
from ssoconsole.accounts.errors import (
    AccountInactive,
    PasswordNotAllowed,
    SignInRefused,
    UnknownUsername,
    WrongPassword,
)
from ssoconsole.accounts.models import User
from ssoconsole.accounts.services import find_user_by_username, validate_username
from ssoconsole.audit.log import record
from ssoconsole.audit.models import Outcome
from ssoconsole.core.request_info import client_ip
from ssoconsole.tenancy.services import effective_sso_of

# What each password rule protects (every one overridable: SSOCONSOLE_LIMIT_<SCOPE>, see README):
# - one client guessing one account: 5 failures per username and address per quarter hour;
# - a guesser spread over many addresses: 20 per username, whatever the address;
# - one address spraying many accounts: a high backstop, since an office shares one address;
# - a known device (it signed in as this user before, accounts.known_devices) counts on its own,
#   so that nobody else's failures can lock it out.
USERNAME_ADDRESS_RULE = throttle.Rule(
    "signin-username-address",
    limit=5,
    window_seconds=15 * 60,
    what="for this username from your network address",
)
USERNAME_RULE = throttle.Rule(
    "signin-username", limit=20, window_seconds=15 * 60, what="for this username"
)
DEVICE_RULE = throttle.Rule(
    "signin-username-device", limit=5, window_seconds=15 * 60, what="for this username"
)
ADDRESS_RULE = throttle.Rule(
    "signin-address",
    limit=300,
    window_seconds=15 * 60,
    what="from your network address",
    per_address=True,
)


@dataclass(frozen=True)
class PasswordStep:
    """Ask for the password of ``user`` (whose org signs in locally, or who keeps local sign-in)."""

    username: str
    user: User


@dataclass(frozen=True)
class Unknown:
    """No such user; the page asks for a password anyway and then fails like a wrong one."""

    username: str


@dataclass(frozen=True)
class SSOStep:
    """Send ``user`` to the identity provider ``provider_id`` of their org."""

    username: str
    user: User
    provider_id: UUID
    # The provider's row when the SSO flow already loaded it (saves the login page a query).
    provider: object | None = None


@dataclass(frozen=True)
class ProviderOption:
    id: UUID
    display_name: str


@dataclass(frozen=True)
class ProviderChoice:
    """Let ``user`` pick from the tenant's providers (the tutorial's "list of providers")."""

    username: str
    user: User
    providers: tuple[ProviderOption, ...]


Step = PasswordStep | Unknown | SSOStep | ProviderChoice


class SSOFlow(Protocol):
    """What the ``sso`` app provides to the login page."""

    def step_for(self, step: SSOStep) -> SSOStep | ProviderChoice:
        """Return ``step`` as is, or a choice when the tenant offers several providers."""

    def start(self, request, step: SSOStep | ProviderChoice, *, next_url: str):
        """Return the HTTP response that continues sign-in (the IdP redirect or the provider list)."""


_sso_flow: SSOFlow | None = None


def register_sso_flow(flow: SSOFlow | None) -> None:
    """Install the app that continues sign-in for SSO users (``None`` removes it)."""
    global _sso_flow
    _sso_flow = flow


def sso_flow() -> SSOFlow | None:
    return _sso_flow


def next_step_for(username: str) -> Step:
    """Decide what follows the username step; raise ``ValidationFailed`` for a malformed username."""
    username = validate_username(username)
    user = find_user_by_username(username)
    if user is None:
        return Unknown(username)
    if user.local_sign_in:
        return PasswordStep(username, user)
    effective = effective_sso_of(user.org_id)
    if not effective.uses_sso:
        return PasswordStep(username, user)
    step = SSOStep(username, user, effective.provider_id)
    return _sso_flow.step_for(step) if _sso_flow is not None else step


BAD_CREDENTIALS = "The username or password is incorrect. Check both and try again."


def _refuse(
    request, refusal: type[SignInRefused], message: str, *, username: str, user: User | None
) -> SignInRefused:
    """Audit a refused password sign-in and return the error to raise."""
    _audit_refusal(request, refusal.code, username=username, user=user)
    return refusal(message)


def _audit_refusal(request, reason_code: str, *, username: str, user: User | None) -> None:
    record(
        "auth.signin",
        tenant=user.tenant if user is not None else None,
        actor=user,
        actor_label=None if user is not None else username[:254],
        target=user,
        target_type="user",
        target_label=username[:254],
        outcome=Outcome.FAILURE,
        reason_code=reason_code,
        data={"method": "password"},
        request=request,
    )


def password_rules(request, username: str) -> list[tuple[throttle.Rule, str]]:
    """Return the (rule, key) pairs that bound password attempts for ``username`` from this request."""
    device = known_devices.device_for(request, username)
    if device is not None:
        return [(DEVICE_RULE, f"{username} {device}")]
    address = client_ip(request) or ""
    return [
        (USERNAME_ADDRESS_RULE, f"{username} {throttle.address_key(address)}" if address else ""),
        (USERNAME_RULE, username),
        (ADDRESS_RULE, address),
    ]


def _count_failure(rules) -> None:
    for rule, key in rules:
        throttle.record_failure(rule, key)


def password_sign_in(request, username: str, password: str) -> User:
    """Check ``username`` and ``password`` and return the user, or raise why not.

    Raises ``ValidationFailed`` for a malformed username, ``throttle.Throttled``
    when the username or the client address failed too often, and
    :class:`SignInRefused` otherwise. Every refusal is audited with its reason.
    """
    username = validate_username(username)
    rules = password_rules(request, username)
    for rule, key in rules:
        try:
            throttle.check(rule, key)
        except throttle.Throttled as exc:
            if throttle.first_refusal(rule, key, exc.retry_after):
                user = find_user_by_username(username)
                _audit_refusal(request, exc.code, username=username, user=user)
            raise
    step = next_step_for(username)
    if isinstance(step, Unknown):
        make_password(password)  # spend the time a real check would take
        _count_failure(rules)
        raise _refuse(request, UnknownUsername, BAD_CREDENTIALS, username=username, user=None)
    if not isinstance(step, PasswordStep):
        raise _refuse(
            request,
            PasswordNotAllowed,
            "Your organization signs in with single sign-on, not a password. Continue from the login page without a password.",
            username=username,
            user=step.user,
        )
    user = step.user
    if user.has_usable_password():
        valid = user.check_password(password)
    else:
        make_password(password)
        valid = False
    if not valid:
        _count_failure(rules)
        raise _refuse(request, WrongPassword, BAD_CREDENTIALS, username=username, user=user)
    if not user.is_active:
        # Said only after a correct password: a guesser learns nothing.
        raise _refuse(
            request,
            AccountInactive,
            "This account is deactivated. Ask an administrator of your organization to reactivate it.",
            username=username,
            user=user,
        )
    # Forget only what this device did: failures from an address or against the username may be someone else's.
    for rule, key in rules:
        if rule is DEVICE_RULE:
            throttle.reset(rule, key)
    return user
