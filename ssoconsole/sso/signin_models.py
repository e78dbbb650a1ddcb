"""What SP-initiated sign-in keeps in the database (docs/rules.md#domain: sign-in request, consumed assertion).

The database is the source of truth (docs/rules.md#several-processes-behave-as-one): a sign-in started on
one server process completes on another, and an assertion accepted once is
refused everywhere after, because both facts are rows with unique keys rather
than entries in one process's memory.

Imported by ``ssoconsole.sso.models`` so that Django registers these models
with the ``sso`` app.
"""

from __future__ import annotations

from django.db import models


class SignInRequest(models.Model):
    """One outstanding AuthnRequest, bound to the browser that started it.

    Only hashes of the two browser-held secrets are stored (the RelayState
    token and the binding cookie's value), so a copy of this table cannot be
    used to finish anybody's sign-in. ``consumed_at`` makes the request single
    use: it is set by one conditional UPDATE, which exactly one process wins.
    """

    request_id = models.CharField(
        max_length=64, unique=True, help_text="The AuthnRequest ID (SAML Core 3.2.1)."
    )
    relay_state_hash = models.CharField(max_length=64, unique=True)
    binding_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the browser-binding cookie's value."
    )
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey("sso.AuthProvider", on_delete=models.CASCADE, related_name="+")
    username = models.CharField(
        max_length=254, blank=True, default="", help_text="What was typed at /login."
    )
    return_path = models.CharField(max_length=2000, default="/console/")
    test_mode = models.BooleanField(default=False)
    started_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The administrator who started a test-mode sign-in.",
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    consumed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.request_id


class ConsumedAssertion(models.Model):
    """The replay cache: an (issuer, assertion ID) accepted once (SAML Profiles 4.1.4.5).

    The unique constraint is what refuses a replay, also across processes:
    two inserts of one pair cannot both commit. A row is needed only while
    the assertion could still be accepted (``expires_at`` is the assertion's
    NotOnOrAfter plus the allowed clock skew); later rows are purged.
    """

    issuer = models.CharField(max_length=1024)
    assertion_id = models.CharField(max_length=256)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    consumed_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("issuer", "assertion_id", name="sso_consumed_assertion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.assertion_id}"


class SignInTestResult(models.Model):
    """The report of one "test this provider" sign-in; the last few per provider are kept."""

    id = models.UUIDField(primary_key=True)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey("sso.AuthProvider", on_delete=models.CASCADE, related_name="+")
    started_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)
    passed = models.BooleanField()
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]
