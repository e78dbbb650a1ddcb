"""What SCIM stores: tokens, the provisioned resources, the placement rules and a request log.

A provisioned user is a console ``accounts.User`` plus a :class:`ScimUser` row
that holds what the console has no column for (the whole SCIM document, the
``externalId``, the version). The columns SCIM filters on are real, indexed
columns (never a scan of the JSON), so a filtered list stays a database query
on a tenant of 100,000 users.
"""

from __future__ import annotations

import uuid

from django.db import models


class ScimToken(models.Model):
    """A bearer token an identity provider uses for one tenant; only its SHA-256 hash is stored.

    Several may be valid at once, so an administrator can rotate: create the new
    one, paste it into the identity provider, then revoke the old one.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100, blank=True, default="")
    prefix = models.CharField(max_length=16, help_text="The first characters, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=254, blank=True, default="")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name or 'SCIM token'} {self.prefix}…"


class ScimUser(models.Model):
    """The SCIM side of a provisioned console user.

    ``deleted_at`` marks a user deleted through SCIM: SCIM answers 404 for it,
    while the console keeps the (deactivated) user; a later POST with the same
    userName links the same console user again.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="scim_identity"
    )
    external_id = models.CharField(max_length=254, blank=True, default="")
    document = models.JSONField(default=dict)
    department = models.CharField(max_length=254, blank=True, default="")
    org_name = models.CharField(max_length=254, blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)
    deactivate_at = models.DateTimeField(
        null=True, blank=True, help_text="A deprovisioning waiting for the tenant's delay."
    )

    class Meta:
        # Each filter index ends with the list order (created_at, id), so that a filtered page
        # is read from one index without a sort, whatever the database's planner prefers.
        indexes = [
            models.Index(fields=["tenant", "external_id", "created_at", "id"]),
            models.Index(fields=["tenant", "created_at", "id"]),
            models.Index(fields=["deactivate_at"]),
        ]


class ScimUserCount(models.Model):
    """How many SCIM users a tenant has (not deleted through SCIM): the unfiltered list's ``totalResults``.

    Kept exact in the transaction of every change (``ssoconsole.scim.counts``):
    counting the rows is an index walk over every SCIM user of the tenant
    (about 250 ms at a million on SQLite, and 56 ms even from the narrowest
    index). No row means none.
    """

    tenant = models.OneToOneField(
        "tenancy.Tenant", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    live = models.BigIntegerField(default=0)


class ScimEmail(models.Model):
    """One of a provisioned user's e-mail addresses, lower-cased, for ``emails[...]`` filters."""

    scim_user = models.ForeignKey(ScimUser, on_delete=models.CASCADE, related_name="email_rows")
    type = models.CharField(max_length=32, blank=True, default="")
    value = models.CharField(max_length=254)
    primary = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["value", "type"])]


class ScimGroup(models.Model):
    """A group pushed by the identity provider; its members are provisioned users of the tenant."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    display_name = models.CharField(max_length=254)
    display_name_key = models.CharField(max_length=254, help_text="display_name, lower-cased.")
    external_id = models.CharField(max_length=254, blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    members = models.ManyToManyField(ScimUser, through="ScimMembership", related_name="groups")

    class Meta:
        ordering = ["display_name"]
        indexes = [
            models.Index(fields=["tenant", "display_name_key"]),
            models.Index(fields=["tenant", "external_id"]),
            models.Index(fields=["tenant", "created_at", "id"]),
        ]

    def __str__(self) -> str:
        return self.display_name


class ScimMembership(models.Model):
    group = models.ForeignKey(ScimGroup, on_delete=models.CASCADE, related_name="memberships")
    scim_user = models.ForeignKey(ScimUser, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "scim_user"], name="scim_member_once")
        ]


class PlacementAttribute(models.TextChoices):
    NONE = "none", "No attribute (groups and the default organization only)"
    DEPARTMENT = "department", "Enterprise extension: department"
    ORG_NAME = "orgName", "ssoconsole extension: orgName"


class ProvisioningSettings(models.Model):
    """A tenant's provisioning rules: where new users go and how deprovisioning waits."""

    tenant = models.OneToOneField(
        "tenancy.Tenant", on_delete=models.CASCADE, related_name="provisioning", primary_key=True
    )
    placement_attribute = models.CharField(
        max_length=16, choices=PlacementAttribute.choices, default=PlacementAttribute.NONE
    )
    default_org = models.ForeignKey(
        "tenancy.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deactivation_delay_minutes = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)


class GroupOrgMapping(models.Model):
    """Members of ``group`` are placed in ``org`` (the lowest ``position`` wins among several)."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(ScimGroup, on_delete=models.CASCADE, related_name="org_mappings")
    org = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["group"], name="scim_one_org_per_group")]


class ScimRequestLog(models.Model):
    """One SCIM request and its result, so an administrator can match the IdP's provisioning log.

    Never holds the token or the body; the detail is the SCIM error's sentence.
    """

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    scim_type = models.CharField(max_length=32, blank=True, default="")
    detail = models.CharField(max_length=500, blank=True, default="")
    resource_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["tenant", "-at"])]
