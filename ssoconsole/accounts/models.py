"""Users, their roles and API tokens."""

from __future__ import annotations

import uuid
from importlib import import_module

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower

from ssoconsole.accounts.roles import Role
from ssoconsole.core.prepared_query import PreparedQuery


class UserManager(BaseUserManager):
    def get_by_natural_key(self, username: str):
        """Find a user by username, compared case-insensitively (docs/rules.md#usernames)."""
        return self.get(username__iexact=username)


class User(AbstractBaseUser):
    """A person who signs in; belongs to exactly one organization of one tenant.

    The password is optional: users of an org that uses SSO have none. The
    username is unique in the whole deployment regardless of case, because it
    is what both the login page and the identity provider's assertion name.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="users")
    org = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="users")
    username = models.CharField(max_length=254)
    email = models.EmailField(max_length=254, blank=True, default="")
    first_name = models.CharField(max_length=150, blank=True, default="")
    last_name = models.CharField(max_length=150, blank=True, default="")
    is_active = models.BooleanField(default=True)
    local_sign_in = models.BooleanField(
        default=False,
        help_text="Keeps password sign-in even when the user's organization uses SSO (for troubleshooting).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_username_unique_ci")
        ]
        indexes = [
            models.Index(fields=["tenant", "org"]),
            # The user lists are ordered by username: a page of a million-user tenant reads 50 index
            # entries instead of sorting the tenant's users.
            models.Index(fields=["tenant", "username"], name="accounts_user_tenant_username"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def role_names(self) -> list[str]:
        cached = getattr(self, "_role_names", None)
        if cached is None:
            cached = sorted(assignment.role for assignment in _ROLES_OF(self.pk))
            self._role_names = cached
        return cached

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.username


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="accounts_role_once_per_user")
        ]


# Read on every API request and console page: compiled once per process (core.prepared_query).
_ROLES_OF = PreparedQuery(
    RoleAssignment,
    lambda user_id: RoleAssignment.objects.filter(user_id=user_id).order_by(),
    uuid.UUID,
)


class ApiToken(models.Model):
    """A bearer token for the REST API; only its SHA-256 hash is stored.

    Tokens carry 256 random bits, so a fast hash is enough: there is nothing
    to brute-force that a slow hash would protect.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, default="")
    prefix = models.CharField(
        max_length=12, help_text="The first characters, to recognise a token in lists."
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class ConsoleSession(AbstractBaseSession):
    """A console session, stored like Django's, plus the id of its user.

    The indexed ``user_id`` lets deactivation end every session of a user
    with one DELETE instead of decoding every session in the table.
    ``ssoconsole.accounts.session_store`` fills it in on each save.
    """

    user_id = models.UUIDField(null=True, blank=True, db_index=True)

    @classmethod
    def get_session_store_class(cls):
        # The configured engine (ssoconsole.accounts.session_store), not an import of it: the store
        # reads this model, so importing each other would make a cycle.
        return import_module(settings.SESSION_ENGINE).SessionStore

    class Meta:
        db_table = "accounts_console_session"
