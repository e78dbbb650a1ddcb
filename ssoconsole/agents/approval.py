"""The browser's side of the hand-off: find it by its URL key, bind it to one browser, approve or deny.

docs/rules.md#opaque-browser-round-trips: what travels through the browser is an opaque random key
(the URL) tied to a server record with an expiry and to a cookie. The first
browser that shows the approval page to a signed-in user claims the
hand-off with its binding cookie; a copy of the URL opened in any other
browser is refused, so a link forwarded by an attacker after the user opened
it is worthless, and the approve POST must come from the browser that
displayed the page.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from django.conf import settings
from django.db.models import F

from ssoconsole.accounts.throttle import address_key
from ssoconsole.agents import credentials, policy
from ssoconsole.agents.errors import (
    AlreadyDecided,
    ExpiredToken,
    HandoffNotFound,
    NotShown,
    OtherBrowser,
    StartNotAllowed,
    WrongCode,
)
from ssoconsole.agents.models import AgentSignIn, HandoffState
from ssoconsole.audit.log import record
from ssoconsole.core import clock
from ssoconsole.core.request_info import client_ip

COOKIE_NAME = "ssoc_agent_browser"
# Wrong codes typed before the hand-off is denied: a guesser gets a handful of tries
# out of 32^8 codes, a person who mistyped gets a few more chances.
MAX_CODE_ATTEMPTS = 5
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


def check_start_allowed(handoff: AgentSignIn, user) -> None:
    """Refuse a hand-off started outside the networks ``user``'s tenant allows (``agents.policy``)."""
    if policy.start_allowed(user.tenant, handoff.requested_from):
        return
    raise StartNotAllowed(
        f"Your organization lets agents sign in only when they start from its own networks, and "
        f"this sign-in was started from {handoff.requested_from or 'an unknown address'}. If you "
        "started it yourself, connect the computer to your organization's network (or VPN) and "
        "start sign-in again from the agent; if you did not, someone may be trying to get access "
        "to your account: tell your administrator."
    )


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


def where_and_when(handoff: AgentSignIn, request) -> dict:
    """Return the start's address and time beside the approver's, and whether the networks differ.

    A phisher starts the hand-off on their own machine and sends the link:
    the start then comes from another network than the approver's browser.
    Addresses are compared as the throttles key them (IPv6 by /64), so a
    person whose browser and agent share one network sees no warning.
    """
    here = client_ip(request) or ""
    there = handoff.requested_from or ""
    return {
        "started_at": handoff.created_at,
        "started_from": there or "unknown",
        "approver_at": clock.now(),
        "approver_from": here or "unknown",
        "networks_differ": not here or not there or address_key(here) != address_key(there),
    }


def normalize_code(value) -> str:
    """Return a typed user code without spaces and hyphens, in capitals (``wdjb mjht`` is ``WDJBMJHT``)."""
    if not isinstance(value, str):
        return ""
    return "".join(c for c in value.upper() if c.isalnum())[:32]


def check_code(handoff: AgentSignIn, typed) -> None:
    """Require the code the approver typed to be the one the agent shows.

    The code is no longer printed on the approval page: a phisher who sent
    the link can tell the victim any code, but only the agent in front of
    the person shows the right one. Wrong codes are counted; at
    :data:`MAX_CODE_ATTEMPTS` the hand-off is denied.
    """
    if hmac.compare_digest(normalize_code(typed), normalize_code(handoff.user_code)):
        return
    AgentSignIn.objects.filter(id=handoff.id).update(code_attempts=F("code_attempts") + 1)
    handoff.refresh_from_db(fields=["code_attempts"])
    left = MAX_CODE_ATTEMPTS - handoff.code_attempts
    if left <= 0:
        AgentSignIn.objects.filter(id=handoff.id, state=HandoffState.PENDING).update(
            state=HandoffState.DENIED, decided_at=clock.now()
        )
        raise AlreadyDecided(
            "The code was typed wrong too many times, so this sign-in was denied. If you started "
            "it yourself, start sign-in again from the agent."
        )
    raise WrongCode(
        "That is not the code this agent shows. Type the code from the agent's window "
        f"({left} tr{'ies' if left != 1 else 'y'} left). If no agent on your computer shows a "
        "code, you did not start this sign-in: choose Deny."
    )


def decide(
    request,
    handoff: AgentSignIn,
    user,
    cookie_value: str | None,
    *,
    approve: bool,
    typed_code: str | None = None,
) -> AgentSignIn:
    """Approve or deny ``handoff`` for ``user``, from the browser that displayed it; audit the decision.

    Approving needs ``typed_code``, the code the agent shows (:func:`check_code`).
    """
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
    if approve:
        check_start_allowed(handoff, user)
        check_code(handoff, typed_code)
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
            "approvedFrom": client_ip(request),
        },
        request=request,
    )
    return handoff
