"""Audit events: who did what, when, from where, and with which outcome."""

from __future__ import annotations

import uuid

from django.db import models


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"


class AuditEvent(models.Model):
    """One admin change or sign-in attempt.

    The actor is kept as an id plus a label (the username at the time, or
    ``cli``/``system``) so that events survive changes to the user.
    ``data`` holds before/after values of a change, or the error code, the
    admin sentence and the differing values of a refusal.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(
        "tenancy.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_id = models.UUIDField(null=True, blank=True)
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=64)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    target_type = models.CharField(max_length=32, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    target_label = models.CharField(max_length=254, blank=True, default="")
    reason_code = models.CharField(max_length=64, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    # The authentication provider a sign-in went through (``data["providerId"]``), as a column of
    # its own so that a provider's sign-in activity is read from an index (audit.signin_activity).
    provider_id = models.UUIDField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"]),
            models.Index(fields=["tenant", "action", "-created_at"]),
            models.Index(fields=["tenant", "target_type", "target_id"]),
            # Every column the sign-in activity chart reads, so its GROUP BY never visits the table.
            models.Index(
                fields=["tenant", "action", "created_at", "outcome", "reason_code"],
                name="audit_signin_activity_idx",
            ),
            models.Index(
                fields=["tenant", "provider_id", "action", "created_at", "outcome", "reason_code"],
                name="audit_provider_activity_idx",
                condition=models.Q(provider_id__isnull=False),
            ),
        ]
