"""Ask before an SSO answer replaces the session of another user in the same browser (login CSRF).

The attack: a foreign page sends the victim's browser through a sign-in
as the attacker (an IdP the attacker controls answers it validly); the ACS
used to start the attacker's session over the victim's, silently, and the
victim then typed their data into the attacker's account. Now, when the
browser already holds a console session of another user, the ACS keeps the
verified sign-in aside and shows "You are signed in as X. Continue as Y?".

The console session cookie is ``SameSite=Lax``, so an IdP's cross-site POST
does not carry it. The ACS therefore also reads a marker cookie
(``ssoconsole.accounts.browser_marker``) that names (signed, no secret) the user a browser is
signed in as; it is ``SameSite=None`` (with ``Secure``) on https, so the
IdP's POST carries it. It authorizes nothing: a forged or stale marker can
only cause this question to be asked.

The pending sign-in lives in a signed, HttpOnly cookie for five minutes
(:data:`PENDING_COOKIE`): the assertion itself is already consumed (the
replay cache), and the only way on is a CSRF-protected POST from this page.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ssoconsole.accounts import sessions
from ssoconsole.accounts.access import signed_in_user
from ssoconsole.accounts.browser_marker import marked_user_id, set_marker
from ssoconsole.accounts.models import User
from ssoconsole.accounts.redirects import safe_next
from ssoconsole.audit.log import record
from ssoconsole.audit.models import Outcome
from ssoconsole.core import clock

PENDING_COOKIE = "ssoc_sso_pending"
PENDING_SECONDS = 300
_PENDING_SALT = "ssoconsole.sso.account_switch.pending"


def _https() -> bool:
    return settings.SSOCONSOLE_BASE_URL.startswith("https://")


def browser_user(request) -> User | None:
    """Return the user this browser is signed in as: its session if visible, else the marker's user."""
    user = signed_in_user(request)
    if user is not None:
        return user
    user_id = marked_user_id(request)
    if user_id is None:
        return None
    return User.objects.filter(id=user_id, is_active=True).select_related("tenant").first()


def needs_confirmation(request, user) -> User | None:
    """Return the other user this browser is signed in as, when ``user`` would replace them."""
    current = browser_user(request)
    return current if current is not None and current.id != user.id else None


def ask(request, *, current, user, provider, expires_at: datetime | None, return_path, audit_data):
    """Keep the verified sign-in of ``user`` aside and ask whether to replace ``current``'s session."""
    pending = {
        "user": str(user.id),
        "provider": str(provider.id),
        "expires": expires_at.isoformat() if expires_at else None,
        "next": return_path,
        "audit": audit_data,
        "current": str(current.id),
    }
    response = render(
        request,
        "sso/confirm_switch.html",
        {"current": current, "user": user, "provider": provider},
    )
    response.set_cookie(
        PENDING_COOKIE,
        signing.dumps(pending, salt=_PENDING_SALT, compress=True),
        max_age=PENDING_SECONDS,
        path="/sso/",
        secure=_https(),
        httponly=True,
        samesite="Lax",
    )
    response["Cache-Control"] = "no-store"
    record(
        "auth.signin_switch_asked",
        tenant=user.tenant,
        actor=user,
        target=user,
        data={"signedInAs": current.username, "providerId": str(provider.id)},
        request=request,
    )
    return response


@never_cache
@require_POST
def decide(request):
    """``POST /sso/switch``: continue as the SSO user (new session) or stay as the current one."""
    value = request.COOKIES.get(PENDING_COOKIE, "")
    try:
        pending = signing.loads(value, salt=_PENDING_SALT, max_age=PENDING_SECONDS)
    except signing.BadSignature:
        return render(request, "sso/switch_expired.html", status=400)
    user = User.objects.filter(id=pending["user"], is_active=True).select_related("tenant").first()
    if request.POST.get("decision") == "continue" and user is not None:
        expires = datetime.fromisoformat(pending["expires"]) if pending["expires"] else None
        if expires is not None and expires <= clock.now():
            response = render(request, "sso/switch_expired.html", status=400)
        else:
            sessions.start_session(
                request,
                user,
                method="saml",
                expires_at=expires,
                audit_data={**(pending["audit"] or {}), "replacedSessionOf": pending["current"]},
            )
            response = HttpResponseRedirect(safe_next(pending["next"]))
            set_marker(response, user)
    else:
        if user is not None:
            record(
                "auth.signin",
                tenant=user.tenant,
                actor=user,
                target=user,
                outcome=Outcome.FAILURE,
                reason_code="sso.switch_declined",
                data={"method": "saml", "keptSessionOf": pending["current"]},
                request=request,
            )
        response = HttpResponseRedirect("/console/")
    response.delete_cookie(PENDING_COOKIE, path="/sso/")
    return response
