"""The outstanding sign-in request: a server record, an opaque RelayState and a browser-binding cookie.

docs/rules.md#opaque-browser-round-trips: what makes a round trip through the browser is an opaque
random token tied to a cookie and a server record with an expiry. Here:

* ``RelayState`` is 32 random bytes (never a URL; SAML Bindings 3.4.3 caps it
  at 80 bytes, and its content is ours to choose). It finds the record.
* The cookie holds another 32 random bytes; the record keeps only its hash.
  Someone who captures a posted response (and its RelayState) still cannot
  finish the sign-in in another browser (SAML Profiles 4.1.4.5 leaves this
  binding to the SP; it is what makes "from this browser" of
  docs/rules.md#sp-initiated-only true).
* The cookie is scoped to the tenant's ACS path, HttpOnly, short-lived, and
  ``SameSite=None; Secure`` under https, because the IdP's POST back is a
  cross-site request and a Lax cookie would not come back with it
  (REFERENCES: "request-state cookie lost on the cross-site POST"). Over
  plain http (loopback development) Secure is impossible, and SameSite=None
  without Secure is rejected by browsers, so it is Lax: 127.0.0.1 and
  127.0.0.1 on another port are the same site, so the POST still carries it.
* Its name is derived from the RelayState, so two tabs signing in at once
  each keep their own cookie instead of overwriting one.

The record is single use: :func:`consume` is one conditional UPDATE, which
exactly one process can win.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings

from ssoconsole.accounts.redirects import safe_next
from ssoconsole.core import urls
from ssoconsole.core.prepared_insert import PreparedInsert
from ssoconsole.core.prepared_query import PreparedQuery
from ssoconsole.sso import errors as r
from ssoconsole.sso.signin_models import SignInRequest

# Long enough for a password and a second factor at the IdP, short enough that
# an abandoned request is useless soon (docs/rules.md#sign-in-request-expiry).
REQUEST_LIFETIME = timedelta(minutes=10)
# Expired records are kept a day so that a late answer is told "expired", not "unknown".
KEEP_EXPIRED = timedelta(days=1)
COOKIE_PREFIX = "ssoconsole_sso_"
_INSERT_REQUEST = PreparedInsert(SignInRequest)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def cookie_name(relay_state: str) -> str:
    """Return the binding cookie's name for ``relay_state`` (a prefix of a hash: no secret in the name)."""
    return COOKIE_PREFIX + _digest("cookie-name:" + relay_state)[:16]


@dataclass(frozen=True)
class StartedRequest:
    """A new outstanding request and the two secrets only the browser receives."""

    record: SignInRequest
    relay_state: str
    cookie_value: str


def start_request(
    *,
    tenant,
    provider,
    request_id: str,
    now: datetime,
    username: str = "",
    return_path: str = "/console/",
    test_mode: bool = False,
    started_by=None,
) -> StartedRequest:
    """Store an outstanding request for ``request_id`` and return it with its RelayState and cookie value.

    ``return_path`` is checked again here (same-origin paths only), whoever
    the caller is: it is where the ACS sends the browser.
    """
    relay_state = secrets.token_urlsafe(32)
    cookie_value = secrets.token_urlsafe(32)
    record = _INSERT_REQUEST(
        SignInRequest(
            request_id=request_id,
            relay_state_hash=_digest(relay_state),
            binding_hash=_digest(cookie_value),
            tenant=tenant,
            provider=provider,
            username=username[:254],
            return_path=safe_next(return_path),
            test_mode=test_mode,
            started_by=started_by,
            created_at=now,
            expires_at=now + REQUEST_LIFETIME,
        )
    )
    return StartedRequest(record, relay_state, cookie_value)


def _cookie_path(tenant_id) -> str:
    return urlsplit(urls.sp_acs_url(tenant_id)).path


def _https() -> bool:
    # Read per call, not at import: tests and deployments set the base URL.
    return settings.SSOCONSOLE_BASE_URL.startswith("https://")


def set_binding_cookie(response, started: StartedRequest) -> None:
    """Give the browser the cookie that binds ``started`` to it (see the module docstring for the flags)."""
    secure = _https()
    response.set_cookie(
        cookie_name(started.relay_state),
        started.cookie_value,
        max_age=int(REQUEST_LIFETIME.total_seconds()),
        path=_cookie_path(started.record.tenant_id),
        secure=secure,
        httponly=True,
        samesite="None" if secure else "Lax",
    )


def _about(error: r.SSORefusal, record: SignInRequest) -> r.SSORefusal:
    """Attach the request to a refusal, so that the audit event names its provider and request ID."""
    error.record = record
    error.context.setdefault("requestId", record.request_id)
    return error


# The ACS's first query, compiled once per process (see PreparedQuery); the tenant is in its WHERE.
_REQUEST_BY_RELAY_STATE = PreparedQuery(
    SignInRequest,
    lambda tenant_id, relay_state_hash: SignInRequest.objects.select_related(
        "provider", "tenant", "tenant__sp_identity", "started_by"
    ).filter(relay_state_hash=relay_state_hash, tenant_id=tenant_id)[:1],
    UUID,
    str,
)


def find_request(tenant_id, relay_state: str | None, cookies, *, now: datetime) -> SignInRequest:
    """Return the outstanding request that ``relay_state`` names for this browser, or raise why not.

    One query brings the request with its tenant, provider and the tenant's
    SP identity (what validation needs next); the tenant is only checked
    through ``tenant_id``, so the caller looks it up itself when there is no record.

    Checked in this order, so that each refusal names its real cause: a
    RelayState at all (none means IdP-initiated), a record of this tenant,
    the cookie sent back, the cookie matching, the expiry. Whether the
    record was already used is decided by :func:`consume`.
    """
    if not relay_state:
        raise r.IdPInitiatedSignIn(expected="a RelayState issued by this console", actual=None)
    if len(relay_state) > 80:
        raise r.RequestNotFound(
            "The RelayState is longer than any this console issues.", actual=relay_state[:80] + "…"
        )
    tenant_id = tenant_id if isinstance(tenant_id, UUID) else UUID(str(tenant_id))
    found = _REQUEST_BY_RELAY_STATE(tenant_id, _digest(relay_state))
    record = found[0] if found else None
    if record is None:
        raise r.RequestNotFound(actual=relay_state)
    value = cookies.get(cookie_name(relay_state))
    if not value:
        raise _about(
            r.RequestCookieMissing(
                expected=f"cookie {cookie_name(relay_state)}", actual="no cookie"
            ),
            record,
        )
    if not hmac.compare_digest(_digest(value), record.binding_hash):
        raise _about(r.RequestCookieMismatch(), record)
    if now >= record.expires_at:
        raise _about(
            r.RequestExpired(
                expected=f"before {record.expires_at.isoformat()}",
                actual=now.isoformat(),
                secondsLate=int((now - record.expires_at).total_seconds()),
            ),
            record,
        )
    return record


def consume(record: SignInRequest, *, now: datetime) -> None:
    """Mark ``record`` used, or raise :class:`RequestAlreadyUsed` when another answer got there first.

    One conditional UPDATE: concurrent processes cannot both see one row updated.
    """
    if not SignInRequest.objects.filter(pk=record.pk, consumed_at__isnull=True).update(
        consumed_at=now
    ):
        raise _about(r.RequestAlreadyUsed(), record)


def purge_expired(*, now: datetime) -> int:
    """Delete requests that expired more than a day ago; return how many (the housekeeping job's work)."""
    deleted, _ = SignInRequest.objects.filter(expires_at__lt=now - KEEP_EXPIRED).delete()
    return deleted
