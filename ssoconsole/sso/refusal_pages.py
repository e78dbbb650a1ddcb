"""Turn every sign-in refusal into a 4xx page, a security-log line and an audit event, in one place.

docs/rules.md#protocol-errors-become-responses-in-one-place: protocol errors become HTTP responses in exactly one
place, with the code and a next step; details go to the ``ssoconsole.security``
log and the audit log; never a 5xx. The three kinds of refusal that reach
this module are the SAML core's :class:`SAMLError`, the attribute mapping's
:class:`MappingError` and the application's :class:`SSORefusal`.

The audit event is what an administrator reads on the provider's page as
"recent sign-in failures" (:func:`recent_sign_in_failures`): it carries the
code, the admin sentence and the values that differed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.shortcuts import render

from ssoconsole.accounts import throttle
from ssoconsole.audit.log import record
from ssoconsole.audit.models import AuditEvent, Outcome
from ssoconsole.core import urls
from ssoconsole.core.request_info import client_ip
from ssoconsole.saml.errors import SAMLError
from ssoconsole.sso.errors import MappingError, SSORefusal, ThrottledSignIn

security_log = logging.getLogger("ssoconsole.security")

SIGNIN_ACTION = "auth.signin"
MAPPING_USER_MESSAGE = "Your identity provider did not send your username in the form this console expects. Tell your administrator."


@dataclass(frozen=True)
class Described:
    """One refusal in the terms every kind shares."""

    code: str
    status: int
    user_message: str
    admin_message: str
    details: dict[str, Any]


def describe(error: Exception) -> Described:
    """Return the code, status and sentences of any refusal the sign-in flow raises."""
    if isinstance(error, SSORefusal):
        return Described(
            error.code, error.status, error.user_message, error.admin_message(), error.as_dict()
        )
    if isinstance(error, SAMLError):
        return Described(
            error.code, 400, error.user_message, error.admin_message(), error.as_dict()
        )
    if isinstance(error, MappingError):
        details = {k: v for k, v in error.as_dict().items() if k != "message"}
        details.update(userMessage=MAPPING_USER_MESSAGE, adminMessage=error.message)
        return Described(error.code, 403, MAPPING_USER_MESSAGE, error.message, details)
    raise TypeError(f"not a sign-in refusal: {type(error).__name__}")


def record_refusal(
    request,
    error: Exception,
    *,
    tenant=None,
    provider=None,
    user=None,
    username: str | None = None,
    test_mode: bool = False,
    extra: dict[str, Any] | None = None,
) -> tuple[Described, AuditEvent]:
    """Write ``error`` to the security log and the audit log; return its description and the event."""
    d = describe(error)
    if provider is None and getattr(error, "record", None) is not None:
        provider = error.record.provider
    data = {
        "method": "saml",
        "providerId": str(provider.id) if provider is not None else None,
        "provider": provider.display_name if provider is not None else None,
        "username": username,
        "testMode": test_mode,
        **{k: v for k, v in d.details.items() if k != "code"},
        **(extra or {}),
    }
    event = record(
        SIGNIN_ACTION,
        tenant=tenant,
        actor=user,
        actor_label=None if user is not None else (username or "anonymous")[:254],
        target=user if user is not None else provider,
        target_type="user"
        if user is not None
        else ("authprovider" if provider is not None else ""),
        target_label="" if user is not None or provider is not None else (username or "")[:254],
        outcome=Outcome.FAILURE,
        reason_code=d.code[:64],
        data=data,
        request=request,
    )
    security_log.warning(
        "sso refused code=%s tenant=%s provider=%s username=%r admin=%s",
        d.code,
        getattr(tenant, "id", None),
        getattr(provider, "id", None),
        username,
        _one_line(d.admin_message),
    )
    return d, event


def _one_line(text: str) -> str:
    """Escape line breaks and other control characters: values from posted XML must not forge log lines."""
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(text)
    )


def refusal_page(request, d: Described, *, reference=None, test_mode: bool = False):
    """Return the readable 4xx page for ``d`` (the code, the user sentence and the way back to /login)."""
    response = render(
        request,
        "sso/refused.html",
        {
            "code": d.code,
            "user_message": d.user_message,
            "reference": reference,
            "login_url": urls.login_url(),
            "admin_message": d.admin_message if test_mode else None,
        },
        status=d.status,
    )
    response["Cache-Control"] = "no-store"
    return response


def refuse(request, error: Exception, *, audit: bool = True, **context):
    """Record ``error`` (unless ``audit`` is off, for requests that are no sign-in attempt) and return its page."""
    if not audit:
        return refusal_page(request, describe(error))
    d, event = record_refusal(request, error, **context)
    return refusal_page(request, d, reference=event.id, test_mode=context.get("test_mode", False))


def throttled_page(request, exc, *, tenant=None, scope: str):
    """Return the 429 page for ``exc`` (a ``throttle.Throttled``), with Retry-After, and log it."""
    minutes = max(1, -(-exc.retry_after // 60))
    address = client_ip(request) or ""
    security_log.info(
        "sso throttled scope=%s address=%s retry_after=%s", scope, address, exc.retry_after
    )
    # One audit event per address and throttled period, not one per request: otherwise an anonymous
    # script that keeps posting writes the tenant's audit log without bound (the throttle's purpose).
    # Keyed like the throttle itself (an IPv6 /64 is one address), or rotating inside it would evade this.
    if cache.add(
        f"sso-throttled-audited:{scope}:{throttle.address_key(address)}",
        1,
        timeout=max(60, exc.retry_after),
    ):
        record(
            SIGNIN_ACTION,
            tenant=tenant,
            actor_label="anonymous",
            outcome=Outcome.FAILURE,
            reason_code=ThrottledSignIn.code,
            data={
                "method": "saml",
                "scope": scope,
                "retryAfterSeconds": exc.retry_after,
                "adminMessage": f"Too many single sign-on requests from one address ({scope}); "
                f"refused for {minutes} min.",
            },
            request=request,
        )
    response = render(
        request,
        "sso/throttled.html",
        {"wait": f"{minutes} minute{'s' if minutes != 1 else ''}", "login_url": urls.login_url()},
        status=429,
    )
    response["Retry-After"] = str(exc.retry_after)
    response["Cache-Control"] = "no-store"
    return response


@dataclass(frozen=True)
class SignInFailure:
    """One refused sign-in as the provider's details page lists it."""

    at: datetime
    code: str
    username: str | None
    admin_message: str
    expected: Any
    actual: Any
    ip_address: str | None
    reference: str


def recent_sign_in_failures(provider, limit: int = 20) -> list[SignInFailure]:
    """Return the latest refused sign-ins through ``provider``, newest first (the details page's list)."""
    events = AuditEvent.objects.filter(
        tenant_id=provider.tenant_id,
        action=SIGNIN_ACTION,
        outcome=Outcome.FAILURE,
        data__providerId=str(provider.id),
    ).order_by("-created_at")[:limit]
    return [
        SignInFailure(
            at=e.created_at,
            code=e.reason_code,
            username=e.data.get("username"),
            admin_message=e.data.get("adminMessage") or e.data.get("message") or "",
            expected=e.data.get("expected"),
            actual=e.data.get("actual"),
            ip_address=e.ip_address,
            reference=str(e.id),
        )
        for e in events
    ]
