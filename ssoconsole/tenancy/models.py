"""Tenants and their organization trees."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import Lower


class Tenant(models.Model):
    """One customer environment; owns every other record of the deployment."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    max_session_hours = models.PositiveSmallIntegerField(
        default=12,
        help_text="Upper bound of a console session, whatever the identity provider allows.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SSOMode(models.TextChoices):
    INHERIT = "inherit", "Inherit from parent"
    PROVIDER = "provider", "Single sign-on with a provider"
    NONE = "none", "Local (password) sign-in"


class Organization(models.Model):
    """A node of a tenant's organization tree.

    The SSO setting names a provider by id only: providers belong to the
    ``sso`` app, which validates the id through its own functions.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="organizations")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=200)
    sso_mode = models.CharField(max_length=16, choices=SSOMode.choices, default=SSOMode.INHERIT)
    sso_provider_id = models.UUIDField(null=True, blank=True)
    # How many orgs the subtree rooted here holds, this one included: kept by tenancy.services
    # (create, move), so that a page of the tree in tree order is found by walking down one level at
    # a time (tenancy.tree_pages) instead of ordering every org of the tenant.
    subtree_size = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(parent__isnull=True),
                name="tenancy_one_top_org_per_tenant",
            ),
            models.UniqueConstraint(
                Lower("name"), "parent", name="tenancy_org_name_unique_among_siblings"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(sso_mode="provider", sso_provider_id__isnull=False)
                    | (~models.Q(sso_mode="provider") & models.Q(sso_provider_id__isnull=True))
                ),
                name="tenancy_org_provider_iff_provider_mode",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "parent"]),
            # One level of the tree in name order, a page at a time (GET /api/v1/orgs?parentId=).
            models.Index(fields=["parent", "name"], name="tenancy_org_parent_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # An update never writes ``subtree_size`` from memory: the services change it in the
        # database (tenancy.services._grow_chain), and an instance loaded before a child was
        # added would put the old number back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "subtree_size"
            ]
        super().save(*args, **kwargs)

    @property
    def is_top(self) -> bool:
        return self.parent_id is None


class TenantDomain(models.Model):
    """An e-mail domain a tenant claims, and whether it proved ownership with a DNS TXT record.

    A verified domain reserves its usernames (and its subdomains') to the tenant:
    ``ssoconsole.tenancy.domains`` explains the rule and docs/security.md why.
    At most one tenant holds a domain verified (the partial unique constraint);
    any number may have it pending.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="domains")
    name = models.CharField(max_length=253)
    token = models.CharField(max_length=64)
    verified_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], name="tenancy_domain_once_per_tenant"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(verified_at__isnull=False),
                name="tenancy_domain_verified_by_one_tenant",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def verified(self) -> bool:
        return self.verified_at is not None
