"""The dev IdP's records, named after what Entra ID shows an administrator.

A *directory* is an Entra tenant (its id is the tenant id that appears in
every URL and claim); it holds *users* and *enterprise applications*. An
application has a SAML configuration, signing certificates and user
assignments. The private keys are test keys of a development tool and are
stored unencrypted: the dev IdP is never enabled in a production configuration.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import Lower

GALLERY_SSOCONSOLE = "ssoconsole"


class Directory(models.Model):
    """An Entra tenant: the id is the tenant id of the entity ID and the ``tenantid`` claim."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "directories"

    def __str__(self) -> str:
        return self.name


class DirectoryUser(models.Model):
    """A test user; the object id is the ``objectidentifier`` claim, the UPN the NameID."""

    id = models.UUIDField("Object ID", primary_key=True, default=uuid.uuid4, editable=False)
    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="users")
    upn = models.CharField("User principal name", max_length=254)
    given_name = models.CharField("First name", max_length=100, blank=True)
    surname = models.CharField("Last name", max_length=100, blank=True)
    display_name = models.CharField(max_length=200)
    mail = models.EmailField("Email", blank=True)
    password = models.CharField(max_length=256)
    account_enabled = models.BooleanField("Account enabled", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name", "upn"]
        constraints = [
            # Entra compares sign-in names case-insensitively; so does the sign-in page.
            models.UniqueConstraint(
                "directory", Lower("upn"), name="devidp_upn_unique_in_directory"
            ),
        ]

    def __str__(self) -> str:
        return self.upn


class SigningOption(models.TextChoices):
    """Entra's "Signing Option" on the SAML Signing Certificate panel."""

    SIGN_ASSERTION = "assertion", "Sign SAML assertion"
    SIGN_RESPONSE = "response", "Sign SAML response"
    SIGN_BOTH = "both", "Sign SAML response and assertion"


class SigningAlgorithm(models.TextChoices):
    SHA256 = "sha256", "SHA-256"
    SHA1 = "sha1", "SHA-1"


class EnterpriseApp(models.Model):
    """An enterprise application added from the gallery, with Entra's default properties.

    Entra's gallery apps start with "Assignment required? Yes" and "Visible to
    users? Yes"; the tutorial changes both, so the defaults are kept here to
    make that step meaningful.
    """

    id = models.UUIDField("Application ID", primary_key=True, default=uuid.uuid4, editable=False)
    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="apps")
    gallery_app = models.CharField(max_length=50, default=GALLERY_SSOCONSOLE)
    name = models.CharField(max_length=200)
    enabled_for_sign_in = models.BooleanField("Enabled for users to sign in?", default=True)
    assignment_required = models.BooleanField("Assignment required?", default=True)
    visible_to_users = models.BooleanField("Visible to users?", default=True)
    identifier = models.CharField("Identifier (Entity ID)", max_length=1024, blank=True)
    reply_urls = models.JSONField(
        "Reply URL (Assertion Consumer Service URL)", default=list, blank=True
    )
    sign_on_url = models.CharField("Sign on URL", max_length=1024, blank=True)
    relay_state = models.CharField("Relay State", max_length=1024, blank=True)
    signing_option = models.CharField(
        max_length=16, choices=SigningOption.choices, default=SigningOption.SIGN_ASSERTION
    )
    signing_algorithm = models.CharField(
        max_length=8, choices=SigningAlgorithm.choices, default=SigningAlgorithm.SHA256
    )
    require_signed_requests = models.BooleanField(
        "Require verification certificates", default=False
    )
    verification_certificates = models.TextField(
        "Verification certificates",
        blank=True,
        help_text="PEM certificates whose keys may sign this app's requests.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Entra refuses a second app with the same Identifier in one directory;
            # the SSO endpoint finds the app by it.
            models.UniqueConstraint(
                fields=["directory", "identifier"],
                condition=~models.Q(identifier=""),
                name="devidp_identifier_unique_in_directory",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def saml_configured(self) -> bool:
        return bool(self.identifier and self.reply_urls)


class SigningCertificate(models.Model):
    """A token-signing certificate of an app; exactly one is active, as in Entra."""

    app = models.ForeignKey(EnterpriseApp, on_delete=models.CASCADE, related_name="certificates")
    certificate_pem = models.TextField()
    private_key_pem = models.TextField()
    thumbprint = models.CharField(max_length=40)
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-active", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["app"],
                condition=models.Q(active=True),
                name="devidp_one_active_certificate",
            ),
        ]


class AppAssignment(models.Model):
    """A user assigned to an app under *Users and groups*."""

    app = models.ForeignKey(EnterpriseApp, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(DirectoryUser, on_delete=models.CASCADE, related_name="assignments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__display_name"]
        constraints = [
            models.UniqueConstraint(fields=["app", "user"], name="devidp_assignment_unique")
        ]


class IdpSession(models.Model):
    """A browser's signed-in state at the IdP; the cookie holds a token whose hash is stored here."""

    token_hash = models.CharField(max_length=64, unique=True)
    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="sessions")
    user = models.ForeignKey(DirectoryUser, on_delete=models.CASCADE, related_name="sessions")
    session_index = models.CharField(max_length=64)
    authn_instant = models.DateTimeField()
    expires_at = models.DateTimeField()


class SignInResult(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"


class SignInEvent(models.Model):
    """One row of the directory's Sign-in logs: who tried which app, and which AADSTS code ended it.

    Kept so that an administrator can see why a sign-in failed without the
    user's screenshot, the way Entra's sign-in logs are used.
    """

    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="sign_ins")
    app = models.ForeignKey(
        EnterpriseApp, null=True, blank=True, on_delete=models.SET_NULL, related_name="sign_ins"
    )
    user = models.ForeignKey(
        DirectoryUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="sign_ins"
    )
    username = models.CharField(max_length=254, blank=True)
    issuer = models.CharField("Requested Identifier", max_length=1024, blank=True)
    result = models.CharField(max_length=8, choices=SignInResult.choices)
    error_code = models.CharField(max_length=16, blank=True)
    message = models.TextField(blank=True)
    request_id = models.CharField(max_length=36)
    correlation_id = models.CharField(max_length=36)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]


class ProvisioningConfig(models.Model):
    """An app's automatic provisioning (Entra: Provisioning › Admin Credentials).

    The Secret Token is kept in clear because the dev IdP must send it; it is a
    development tool, never mounted in production, and the token is never logged.
    """

    app = models.OneToOneField(EnterpriseApp, on_delete=models.CASCADE, related_name="provisioning")
    tenant_url = models.URLField("Tenant URL", max_length=1024)
    secret_token = models.CharField("Secret Token", max_length=200)
    last_cycle_at = models.DateTimeField(null=True, blank=True)


class ProvisionedUser(models.Model):
    """Which SCIM id the target gave to a directory user (Entra keeps the same mapping)."""

    app = models.ForeignKey(EnterpriseApp, on_delete=models.CASCADE, related_name="provisioned")
    user = models.ForeignKey(
        DirectoryUser, null=True, on_delete=models.SET_NULL, related_name="provisioned"
    )
    upn = models.CharField(max_length=254)
    scim_id = models.CharField(max_length=64)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["app", "upn"], name="devidp_provisioned_once")
        ]


class ProvisioningLogEntry(models.Model):
    """One line of an app's provisioning log: what a cycle did to one user, and the target's answer."""

    app = models.ForeignKey(
        EnterpriseApp, on_delete=models.CASCADE, related_name="provisioning_log"
    )
    cycle = models.CharField(max_length=36)
    at = models.DateTimeField()
    action = models.CharField(max_length=16)  # Create, Update, Disable, Skip, Connect
    upn = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=8)  # Success, Failure, Skipped
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
