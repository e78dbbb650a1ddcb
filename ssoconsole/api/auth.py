"""Who is calling, for which tenant, and whether their role allows the operation.

Two ways in, both documented as OpenAPI security schemes:

* ``Authorization: Bearer TOKEN`` (scripts, the CLI's tokens). When the header
  is present it alone decides: a bad token is a 401, never a fall-back to a
  cookie that happens to ride along. Bearer requests need no CSRF token,
  since a browser never attaches the header on its own.
* the console's session cookie. Unsafe methods must then pass Django's CSRF
  check, because the browser does attach cookies to cross-site requests.

The tenant is resolved here, once, from the authenticated user and handed to
the endpoint in :class:`Caller`. The capability check also happens here,
before the body is parsed, so a caller without the permission learns nothing
about the input rules. Authorization itself is ``accounts.roles.can``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from ssoconsole.accounts.access import signed_in_user
from ssoconsole.accounts.roles import Capability, can
from ssoconsole.accounts.services import user_for_token
from ssoconsole.api.errors import CsrfFailed, InvalidToken
from ssoconsole.core.errors import Forbidden

if TYPE_CHECKING:
    from ssoconsole.accounts.models import User
    from ssoconsole.tenancy.models import Tenant

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Caller:
    """The authenticated user, their tenant, and how they authenticated."""

    user: User
    tenant: Tenant
    via: str  # "bearer" | "session"


class _Authorizing:
    """Mix-in: check the operation's capability for the user an auth scheme found."""

    capability: str | None = None

    def _caller(self, user, via: str) -> Caller:
        if self.capability is not None and not can(user, self.capability):
            label = Capability(self.capability).label
            raise Forbidden(
                f"Your roles do not include the “{self.capability}” permission ({label.lower()}). "
                "Ask an administrator of your tenant for a role that grants it.",
                details={"capability": self.capability},
            )
        return Caller(user=user, tenant=user.tenant, via=via)


class BearerToken(_Authorizing, HttpBearer):
    """An API token created in the console, with ``ssoconsole create-api-token`` or ``POST /api/v1/api-tokens``."""

    openapi_description = (
        "An API token, sent as `Authorization: Bearer TOKEN`. Tokens are shown once, at creation."
    )
    openapi_bearerFormat = "opaque"

    def __init__(self, capability: str | None = None) -> None:
        self.capability = capability
        super().__init__()

    def __call__(self, request):
        header = request.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("The Authorization header must read “Bearer TOKEN”.")
        return self.authenticate(request, token.strip())

    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is None:
            raise InvalidToken(
                "This API token is not valid: it is unknown, revoked or expired, or its user is deactivated. Create a new token."
            )
        return self._caller(user, "bearer")


class SessionCookie(_Authorizing, APIKeyCookie):
    """The console's session cookie; unsafe methods also need the CSRF token (``X-CSRFToken`` header)."""

    openapi_description = "The console's session cookie. POST, PUT, PATCH and DELETE also need the X-CSRFToken header."

    def __init__(self, capability: str | None = None) -> None:
        self.capability = capability
        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(
            csrf=False
        )  # checked below, after authentication, so anonymous callers get 401

    def __call__(self, request):
        if "Authorization" in request.headers:
            return None  # the bearer scheme has already answered for this request
        return self.authenticate(request, None)

    def authenticate(self, request, key):
        user = signed_in_user(request)
        if user is None:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise CsrfFailed(
                "The CSRF check failed. Send the console's CSRF token in the X-CSRFToken header, or use a bearer token."
            )
        return self._caller(user, "session")


def access(capability: str | None = None) -> list:
    """Return the auth schemes of an operation that needs ``capability`` (``None``: any signed-in user)."""
    return [BearerToken(capability), SessionCookie(capability)]


def caller_of(request) -> Caller:
    """Return the :class:`Caller` that authentication attached to ``request``."""
    return request.auth
