"""The agent's side of the browser sign-in: start a hand-off, then poll until it yields a token.

RFC 8628 (OAuth 2.0 Device Authorization Grant) in spirit, with our own
endpoints: the agent gets an id and a poll secret, the user approves in the
browser (``ssoconsole.agents.approval``), and the agent's next poll collects
the agent token exactly once. The browser URL carries a separate random key,
so someone who reads the URL from a browser's history still cannot poll.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction

from ssoconsole.accounts import throttle
from ssoconsole.accounts.username_rule import describe_char
from ssoconsole.agents import credentials, errors
from ssoconsole.agents.models import Agent, AgentSignIn, HandoffState
from ssoconsole.audit.log import record
from ssoconsole.core import clock
from ssoconsole.core.errors import FieldRequired, InvalidType, TextControlCharacter, TooLong
from ssoconsole.core.request_info import client_ip
from ssoconsole.core.urls import absolute

LIFETIME = timedelta(minutes=10)
# The device name is shown to the approver as data: short, one line, plain.
DEVICE_NAME_MAX = 64
_NOT_PLAIN = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
POLL_INTERVAL_SECONDS = 5
# RFC 8628 3.5: a pending poll that comes sooner than the interval is answered
# ``slow_down`` and the interval of that hand-off grows by this much, up to the cap.
# The leeway forgives network jitter to a client that does wait ``interval`` seconds.
SLOW_DOWN_STEP_SECONDS = 5
MAX_POLL_INTERVAL_SECONDS = 60
POLL_LEEWAY_SECONDS = 1
# Expired hand-offs are deleted a day after their expiry, so that support can
# still look at yesterday's failed attempts.
KEEP_EXPIRED = timedelta(days=1)
# A software roll-out may start many agents behind one NAT address at once: a rate (120 at once, then one
# per second) stops a flood without making an office wait a quarter of an hour.
START_RULE = throttle.Bucket(
    "agent-signin-start",
    count=600,
    seconds=600,
    burst=120,
    what="from your network address",
    per_address=True,
    noun="sign-in starts",
)


@dataclass(frozen=True)
class HandoffStarted:
    """What the agent receives once; the two secrets exist nowhere else in clear text."""

    record: AgentSignIn
    poll_secret: str
    browser_key: str

    @property
    def browser_url(self) -> str:
        return absolute(f"/agents/authorize/{self.browser_key}")

    @property
    def expires_in(self) -> int:
        return int((self.record.expires_at - self.record.created_at).total_seconds())


@dataclass(frozen=True)
class Issued:
    agent: Agent
    token: str


def _clean(value, field: str, limit: int, *, required: bool = False) -> str:
    """Return one line of plain text: whitespace collapsed, no control, format or bidi character.

    The device name is anyone's text (starting a hand-off needs no sign-in)
    and is shown to the approver, as data in a labelled field, never as the
    page's sentence. A bidi override or a zero-width character would let it
    pass for something else, so it is refused rather than shown.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidType(f"{field} must be text.", field=field)
    value = " ".join(value.split())  # one line
    bad = next((c for c in value if unicodedata.category(c) in _NOT_PLAIN), None)
    if bad is not None:
        raise TextControlCharacter(
            f"{field} contains an invisible or control character ({describe_char(bad)}); send "
            "plain text such as the computer's name.",
            field=field,
        )
    if required and not value:
        raise FieldRequired(
            f"Send a {field} the user will recognise, e.g. the computer's name.",
            field=field,
        )
    if len(value) > limit:
        raise TooLong(f"{field} is at most {limit} characters long.", field=field)
    return value


def start(
    request, *, device_name, platform=None, agent_version=None, now: datetime | None = None
) -> HandoffStarted:
    """Create a pending hand-off for an agent; raise ``throttle.Throttled`` when the address started too many."""
    address = client_ip(request) or ""
    throttle.take(START_RULE, address)
    now = now or clock.now()
    browser_key, poll_secret = credentials.new_secret(), credentials.new_secret()
    handoff = AgentSignIn.objects.create(
        browser_key_hash=credentials.digest(browser_key),
        poll_secret_hash=credentials.digest(poll_secret),
        user_code=credentials.new_user_code(),
        device_name=_clean(device_name, "deviceName", DEVICE_NAME_MAX, required=True),
        platform=_clean(platform, "platform", 50),
        agent_version=_clean(agent_version, "agentVersion", 50),
        requested_from=address or None,
        created_at=now,
        expires_at=now + LIFETIME,
    )
    return HandoffStarted(handoff, poll_secret, browser_key)


def purge_expired(*, now: datetime) -> int:
    """Delete hand-offs that expired more than a day ago; return how many.

    Run by every server's housekeeping round (registered in ``agents.apps``), not by requests.
    """
    deleted, _ = AgentSignIn.objects.filter(expires_at__lt=now - KEEP_EXPIRED).delete()
    return deleted


def _find(handoff_id, poll_secret) -> AgentSignIn:
    """Return the hand-off that ``handoff_id`` and ``poll_secret`` name together, or raise ``HandoffNotFound``."""
    try:
        key = uuid.UUID(str(handoff_id))
    except ValueError:
        key = None
    handoff = AgentSignIn.objects.filter(id=key).first() if key else None
    if handoff is None or not credentials.matches(poll_secret, handoff.poll_secret_hash):
        raise errors.HandoffNotFound(
            "No sign-in matches this handoffId and pollSecret (wrong values, or the sign-in was cleaned up). "
            + errors.START_AGAIN
        )
    return handoff


def redeem(request, handoff_id, poll_secret, *, now: datetime | None = None) -> Issued:
    """Answer one poll: the agent token (once) when the user approved, otherwise raise why not.

    The state change from approved to redeemed is a conditional UPDATE, so two
    polls racing on two server processes cannot both collect a token.
    """
    now = now or clock.now()
    handoff = _find(handoff_id, poll_secret)
    if handoff.state == HandoffState.REDEEMED:
        raise errors.AlreadyUsed(
            "This sign-in already gave its agent token to an earlier poll; a token is handed out only once. "
            "Use the token from that answer, or start a new sign-in from the agent."
        )
    if handoff.state == HandoffState.DENIED:
        raise errors.AccessDenied(
            "The user denied this sign-in in the browser. " + errors.START_AGAIN
        )
    if now >= handoff.expires_at:
        raise errors.ExpiredToken(
            f"This sign-in expired {int(LIFETIME.total_seconds() // 60)} minutes after it started, "
            "before the browser approval was collected. " + errors.START_AGAIN
        )
    if handoff.state == HandoffState.PENDING:
        _pace(handoff, now)
    return _issue(request, handoff, now)


def _pace(handoff: AgentSignIn, now: datetime) -> None:
    """Answer a pending poll: ``slow_down`` (with a longer interval) when it came too soon, else ``authorization_pending``.

    The time of the last poll and the hand-off's current interval live in the
    common cache (Redis when configured), so every server process sees them.
    Only polls that proved the poll secret get here: others cannot slow an agent down.
    """
    key = f"agent-poll:{handoff.id}"
    t = now.timestamp()
    last = cache.get(key)
    timeout = int(LIFETIME.total_seconds()) + 60
    if last is not None:
        last_at, interval = last
        if t - last_at < interval - POLL_LEEWAY_SECONDS:
            interval = min(interval + SLOW_DOWN_STEP_SECONDS, MAX_POLL_INTERVAL_SECONDS)
            cache.set(key, (t, interval), timeout=timeout)
            raise errors.SlowDown(interval)
    else:
        interval = POLL_INTERVAL_SECONDS
    cache.set(key, (t, interval), timeout=timeout)
    raise errors.AuthorizationPending(interval)


@transaction.atomic
def _issue(request, handoff: AgentSignIn, now: datetime) -> Issued:
    claimed = AgentSignIn.objects.filter(id=handoff.id, state=HandoffState.APPROVED).update(
        state=HandoffState.REDEEMED, redeemed_at=now
    )
    if not claimed:
        raise errors.AlreadyUsed(
            "Another poll collected this sign-in's agent token a moment ago. " + errors.START_AGAIN
        )
    user = handoff.user
    if user is None or not user.is_active:
        raise errors.AccessDenied(
            "The user who approved this sign-in has been deactivated since. " + errors.START_AGAIN
        )
    token = credentials.new_agent_token()
    agent = Agent.objects.create(
        tenant_id=user.tenant_id,
        user=user,
        name=handoff.device_name,
        platform=handoff.platform,
        agent_version=handoff.agent_version,
        token_prefix=token[:12],
        token_hash=credentials.digest(token),
        signed_in_from=client_ip(request) or None,
        created_at=now,
    )
    AgentSignIn.objects.filter(id=handoff.id).update(agent=agent)
    record(
        "agent.created",
        tenant=user.tenant,
        actor=user,
        target=agent,
        target_label=f"{agent.name} ({user.username})",
        data={
            "platform": agent.platform,
            "agentVersion": agent.agent_version,
            "handoffId": str(handoff.id),
        },
        request=request,
    )
    return Issued(agent, token)
