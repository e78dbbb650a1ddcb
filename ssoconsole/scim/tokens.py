"""Secret Tokens: the bearer tokens an identity provider sends to a tenant's SCIM endpoint.

A token carries 256 random bits and is shown once; only its SHA-256 hash is
kept (nothing to brute-force that a slow hash would protect). A token is
valid for its own tenant only, and a revoked one is refused from the next
request on, since every request looks the hash up again.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import transaction

from ssoconsole.audit.log import record
from ssoconsole.core import clock
from ssoconsole.core.errors import TooLong, ValidationFailed
from ssoconsole.scim.errors import ScimTokenLimit, ScimTokenNotFound
from ssoconsole.scim.models import ScimToken

TOKEN_PREFIX = "scim_"
MAX_TOKENS_PER_TENANT = 20


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_token(
    tenant, *, name: str = "", actor=None, actor_label: str | None = None, request=None
):
    """Create a token for ``tenant``; return ``(clear text, record)``. The clear text is never stored."""
    name = (name or "").strip()
    if len(name) > 100:
        raise TooLong("Token names are at most 100 characters long.", field="name")
    active = ScimToken.objects.filter(tenant=tenant, revoked_at__isnull=True).count()
    if active >= MAX_TOKENS_PER_TENANT:
        raise ScimTokenLimit(
            f"A tenant has at most {MAX_TOKENS_PER_TENANT} valid SCIM tokens; revoke one you no longer use.",
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    label = actor_label or (actor.username if actor is not None else "system")
    token = ScimToken.objects.create(
        tenant=tenant,
        name=name,
        prefix=raw[:12],
        token_hash=_hash(raw),
        created_at=clock.now(),
        created_by=label,
    )
    record(
        "scim_token.created",
        tenant=tenant,
        actor=actor,
        actor_label=actor_label,
        target=token,
        data={"name": name, "prefix": token.prefix},
        request=request,
    )
    return raw, token


def tokens_of(tenant):
    return ScimToken.objects.filter(tenant=tenant).order_by("revoked_at", "-created_at")


def get_token(tenant, token_id) -> ScimToken:
    try:
        return ScimToken.objects.get(tenant=tenant, id=token_id)
    except (ScimToken.DoesNotExist, ValueError, ValidationFailed):
        raise ScimTokenNotFound("No SCIM token with this id in your tenant.") from None


@transaction.atomic
def revoke_token(token: ScimToken, *, actor=None, request=None) -> ScimToken:
    """Revoke ``token`` now; the identity provider's next request with it gets 401."""
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        record(
            "scim_token.revoked",
            tenant=token.tenant,
            actor=actor,
            target=token,
            data={"prefix": token.prefix},
            request=request,
        )
    return token


def token_for(raw: str, *, now: datetime | None = None) -> ScimToken | None:
    """Return the unrevoked token whose clear text is ``raw``, or ``None``."""
    if not raw or len(raw) > 200 or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ScimToken.objects.select_related("tenant")
        .filter(token_hash=_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = now or clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ScimToken.objects.filter(id=token.id).update(last_used_at=now)
    return token
