"""Agent sign-in hand-offs and the agents they create.

A hand-off (:class:`AgentSignIn`) is the server record of one browser
sign-in started by an agent: the agent holds its id and a poll secret, the
browser holds an opaque key in the URL and a binding cookie. Only SHA-256
hashes of the secrets are stored, so a copy of the table signs nobody in.

An :class:`Agent` is what a redeemed hand-off leaves behind: a device of a
user with its own bearer token. It deliberately has no link to the console
session or the SAML session that approved it (docs/rules.md#agents-outlive-the-idp-session: agents keep
working when the user loses access at the identity provider).
"""

from __future__ import annotations

import uuid

from django.db import models


class HandoffState(models.TextChoices):
    PENDING = "pending", "Waiting for the user"
    APPROVED = "approved", "Approved, token not yet collected"
    DENIED = "denied", "Denied by the user"
    REDEEMED = "redeemed", "Token collected by the agent"


class AgentSignIn(models.Model):
    """One browser sign-in of an agent, from ``POST /api/v1/agents/sign-in`` to the token's collection."""

    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False, help_text="The handoffId (random)."
    )
    browser_key_hash = models.CharField(
        max_length=64, unique=True, help_text="Hash of the key in the browser URL."
    )
    poll_secret_hash = models.CharField(max_length=64)
    user_code = models.CharField(
        max_length=9, help_text="Shown by the agent and the browser, for the user to compare."
    )
    device_name = models.CharField(max_length=100)
    platform = models.CharField(max_length=50, blank=True, default="")
    agent_version = models.CharField(max_length=50, blank=True, default="")
    requested_from = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    state = models.CharField(
        max_length=10, choices=HandoffState.choices, default=HandoffState.PENDING
    )
    browser_binding_hash = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="Hash of the cookie of the browser that first showed the approval page.",
    )
    user = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="agent_sign_ins",
        help_text="Who was shown the approval page, then who approved or denied.",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Wrong user codes typed on the approval page (denied at the limit)."
    )
    redeemed_at = models.DateTimeField(null=True, blank=True)
    agent = models.OneToOneField(
        "Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="sign_in"
    )

    class Meta:
        ordering = ["-created_at"]


class AgentState(models.TextChoices):
    """What an agent says it is doing in its last heartbeat (docs/agents.md, "Heartbeat")."""

    IDLE = "idle", "Idle"
    BACKING_UP = "backing_up", "Backing up"
    PAUSED = "paused", "Paused"
    ERROR = "error", "Error"


class Agent(models.Model):
    """A desktop agent of a user, holding its own revocable bearer token (SHA-256 hash stored)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="agents")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="agents")
    name = models.CharField(max_length=100)
    platform = models.CharField(max_length=50, blank=True, default="")
    agent_version = models.CharField(max_length=50, blank=True, default="")
    token_prefix = models.CharField(
        max_length=12, help_text="The token's first characters, to recognise it in logs."
    )
    token_hash = models.CharField(max_length=64, unique=True)
    signed_in_from = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=254, blank=True, default="")
    # The last heartbeat (POST /api/v1/agents/heartbeat): what the agent reported, as it reported it.
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    last_state = models.CharField(max_length=12, choices=AgentState.choices, blank=True, default="")
    last_backup_at = models.DateTimeField(null=True, blank=True)
    last_backup_bytes = models.BigIntegerField(null=True, blank=True)
    last_message = models.CharField(max_length=200, blank=True, default="")
    refusal_audited_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a use refused for a deactivated user was last audited (at most hourly).",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "revoked_at"]),
            models.Index(fields=["user", "revoked_at"]),
            # The Agents page's order (newest first) among the tenant's active agents: a page
            # reads 50 entries instead of sorting the tenant's agents. With id and revoked_at in
            # it, the list's count (up to 10,001) reads the index alone (SQLite's covering index).
            models.Index(
                fields=["tenant", "created_at", "id", "revoked_at"],
                condition=models.Q(revoked_at__isnull=True),
                name="agents_active_newest",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AgentSignInPolicy(models.Model):
    """A tenant's limit on where agent sign-ins may start (``ssoconsole.agents.policy``).

    Empty ``allowed_networks`` (the default, and a tenant without a row)
    lets a hand-off started from anywhere be approved.
    """

    tenant = models.OneToOneField(
        "tenancy.Tenant", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    allowed_networks = models.TextField(
        blank=True, default="", help_text="CIDR ranges, one per line, e.g. 203.0.113.0/24."
    )
    updated_at = models.DateTimeField(auto_now=True)
