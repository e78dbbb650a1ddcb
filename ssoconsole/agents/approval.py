"""The browser's side of the hand-off: find it by its URL key, bind it to one browser, approve or deny.

STYLE guideline 12: what travels through the browser is an opaque random key
(the URL) tied to a server record with an expiry and to a cookie. The first
browser that shows the approval page to a signed-in user claims the
hand-off with its binding cookie; a copy of the URL opened in any other
browser is refused, so a link forwarded by an attacker after the user opened
it is worthless, and the approve POST must come from the browser that
displayed the page.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from ssoconsole.accounts import clock
from ssoconsole.agents import credentials
from ssoconsole.agents.errors import (
    AlreadyDecided,
    ExpiredToken,
    HandoffNotFound,
    NotShown,
    OtherBrowser,
)
from ssoconsole.agents.models import AgentSignIn, HandoffState
from ssoconsole.audit.log import record

COOKIE_NAME = "ssoc_agent_browser"
COOKIE_PATH = "/agents/"
MAX_KEY_LENGTH = 100


def find(browser_key: str, *, now: datetime | None = None) -> AgentSignIn:
    """Return the pending, unexpired hand-off of ``browser_key``, or raise why it cannot be used."""
    now = now or clock.now()
    handoff = None
    if isinstance(browser_key, str) and 0 < len(browser_key) <= MAX_KEY_LENGTH:
        handoff = (
            AgentSignIn.objects.select_related("user")
            .filter(browser_key_hash=credentials.digest(browser_key))
            .first()
        )
    if handoff is None:
        raise HandoffNotFound(
            "This sign-in link is not valid: it may be mistyped or cut short, or the sign-in was cleaned up. "
            "Start sign-in again from the agent; it opens a new link."
        )
    if handoff.state == HandoffState.DENIED:
        raise AlreadyDecided(
            "This sign-in was denied. To sign the agent in after all, start sign-in again from the agent."
        )
    if handoff.state != HandoffState.PENDING:
        raise AlreadyDecided(
            "This sign-in was already approved. You can close this window; the agent continues on its own."
        )
    if now >= handoff.expires_at:
        raise ExpiredToken(
            "Sign-in links work for 10 minutes after the agent opens them. Start sign-in again from the agent."
        )
    return handoff


def browser_value(cookies) -> str | None:
    """Return this browser's binding cookie when it looks like one of ours."""
    value = cookies.get(COOKIE_NAME)
    return value if isinstance(value, str) and 20 <= len(value) <= MAX_KEY_LENGTH else None


def claim(handoff: AgentSignIn, user, cookie_value: str | None) -> str:
    """Bind ``handoff`` to this browser (first display) and to ``user``; return the cookie value to keep.

    Raises :class:`OtherBrowser` when another browser displayed it first. The
    conditional UPDATE keeps two browsers racing on the first display from
    both winning.
    """
    value = cookie_value or credentials.new_secret()
    binding = credentials.digest(value)
    if handoff.browser_binding_hash:
        if not credentials.matches(value, handoff.browser_binding_hash):
            raise _other_browser()
    else:
        won = AgentSignIn.objects.filter(id=handoff.id, browser_binding_hash="").update(
            browser_binding_hash=binding
        )
        if not won:
            raise _other_browser()
        handoff.browser_binding_hash = binding
    if handoff.user_id != user.id:
        AgentSignIn.objects.filter(id=handoff.id).update(user=user)
        handoff.user = user
    return value


def _other_browser() -> OtherBrowser:
    return OtherBrowser(
        "This sign-in link was opened in another browser first, and only that browser can approve it. "
        "Approve it there, or start sign-in again from the agent."
    )


def set_cookie(response, value: str) -> None:
    """Keep the binding cookie for the hand-off's lifetime; SameSite=Lax survives the return from the IdP."""
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=3600,
        path=COOKIE_PATH,
        secure=settings.SSOCONSOLE_BASE_URL.startswith("https://"),
        httponly=True,
        samesite="Lax",
    )


def decide(
    request, handoff: AgentSignIn, user, cookie_value: str | None, *, approve: bool
) -> AgentSignIn:
    """Approve or deny ``handoff`` for ``user``, from the browser that displayed it; audit the decision."""
    if (
        cookie_value is None
        or not handoff.browser_binding_hash
        or not credentials.matches(cookie_value, handoff.browser_binding_hash)
    ):
        raise _other_browser()
    if handoff.user_id != user.id:
        raise NotShown(
            "You are signed in as another user than the one this request was shown to. "
            "Open the link again to see whom the agent would work as, then decide."
        )
    state = HandoffState.APPROVED if approve else HandoffState.DENIED
    now = clock.now()
    changed = AgentSignIn.objects.filter(
        id=handoff.id, state=HandoffState.PENDING, expires_at__gt=now
    ).update(state=state, user=user, decided_at=now)
    if not changed:
        raise AlreadyDecided(
            "This sign-in was decided or expired a moment ago. Start sign-in again from the agent if needed."
        )
    handoff.state, handoff.decided_at = state, now
    record(
        "agent.signin_approved" if approve else "agent.signin_denied",
        tenant=user.tenant,
        actor=user,
        target=handoff,
        target_type="agent_sign_in",
        target_label=f"{handoff.device_name} ({user.username})",
        data={
            "deviceName": handoff.device_name,
            "platform": handoff.platform,
            "userCode": handoff.user_code,
            "requestedFrom": handoff.requested_from,
        },
        request=request,
    )
    return handoff
