"""Authentication providers and the tenant's service-provider identity.

An ``AuthProvider`` keeps the last good metadata document *and* the fields
parsed from it, so sign-in never parses XML or touches the network: it reads
the cached entity ID, endpoints and certificates. A failed refresh only
writes the ``last_refresh_*`` columns and leaves the cached metadata alone.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import Lower

from ssoconsole.saml.config import DIGEST_SHA256, SIG_RSA_SHA256


class MetadataSource(models.TextChoices):
    URL = "url", "Metadata URL"
    FILE = "file", "Uploaded file"


class RefreshResult(models.TextChoices):
    NEVER = "", "Not refreshed yet"
    OK = "ok", "Succeeded"
    FAILED = "failed", "Failed"


class Comparison(models.TextChoices):
    """RequestedAuthnContext Comparison values (SAML Core 3.3.2.2.1)."""

    EXACT = "exact", "EXACT"
    MINIMUM = "minimum", "MINIMUM"
    MAXIMUM = "maximum", "MAXIMUM"
    BETTER = "better", "BETTER"


class SignatureMethod(models.TextChoices):
    RSA_SHA256 = SIG_RSA_SHA256, "RSA-SHA256"
    RSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384", "RSA-SHA384"
    RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", "RSA-SHA512"
    RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1", "RSA-SHA1 (insecure)"


class DigestMethod(models.TextChoices):
    SHA256 = DIGEST_SHA256, "SHA-256"
    SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384", "SHA-384"
    SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512", "SHA-512"
    SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1", "SHA-1 (insecure)"


class NameIDFormat(models.TextChoices):
    """NameIDPolicy formats the IdPs we target honour (Entra ID accepts exactly these)."""

    UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", "Unspecified"
    EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", "Email address"
    PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", "Persistent"
    TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient", "Transient"


class AuthProvider(models.Model):
    """One SAML identity provider connection of a tenant."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.CASCADE, related_name="auth_providers"
    )
    display_name = models.CharField(max_length=100)

    # Where the metadata comes from, and the last good copy of it.
    metadata_source = models.CharField(max_length=8, choices=MetadataSource.choices)
    metadata_url = models.URLField(max_length=2000, blank=True, default="")
    entity_selector = models.CharField(
        max_length=1024,
        blank=True,
        default="",
        help_text="The entity ID chosen out of an EntitiesDescriptor; empty when the document names one IdP.",
    )
    metadata_xml = models.BinaryField()
    metadata_sha256 = models.CharField(max_length=64)

    # Parsed from metadata_xml (SAML Metadata 2.4.3); read at sign-in instead of the XML.
    entity_id = models.CharField(max_length=1024)
    sso_url_redirect = models.URLField(max_length=2000, blank=True, default="")
    sso_url_post = models.URLField(max_length=2000, blank=True, default="")
    signing_certificates = models.JSONField(
        default=list, help_text="Base64 DER X.509 certificates, in metadata order."
    )
    name_id_formats = models.JSONField(default=list)
    want_authn_requests_signed = models.BooleanField(default=False)
    valid_until = models.DateTimeField(null=True, blank=True)
    cache_duration = models.DurationField(null=True, blank=True)

    # Refresh bookkeeping; the lease lets one of several processes refresh at a time.
    last_refresh_at = models.DateTimeField(null=True, blank=True)
    last_refresh_result = models.CharField(
        max_length=8, choices=RefreshResult.choices, blank=True, default=""
    )
    last_refresh_error_code = models.CharField(max_length=64, blank=True, default="")
    last_refresh_error_message = models.TextField(blank=True, default="")
    next_refresh_at = models.DateTimeField(null=True, blank=True, db_index=True)
    refresh_lease_until = models.DateTimeField(null=True, blank=True)
    refresh_lease_owner = models.CharField(max_length=64, blank=True, default="")
    # Consecutive failed refreshes, for the retry backoff (reset by a good one).
    refresh_failures = models.PositiveIntegerField(default=0)
    # Last refresh triggered by a response signed with a key the metadata did not list: one per
    # REFRESH_ON_UNKNOWN_KEY interval for all processes (a conditional UPDATE claims it).
    unknown_key_refresh_at = models.DateTimeField(null=True, blank=True)
    # A file uploaded over a URL provider: used until the next good download from the URL.
    metadata_overridden_at = models.DateTimeField(null=True, blank=True)

    # Certificate history, learned rather than configured. The SHA-256 fingerprint of the
    # certificate that verified the last accepted response (which key the IdP really signs
    # with) and when; and every certificate the metadata ever listed (bounded), to tell a
    # certificate this provider used before from a key unlike any of its own.
    signing_certificate_sha256 = models.CharField(max_length=64, blank=True, default="")
    signing_certificate_seen_at = models.DateTimeField(null=True, blank=True)
    known_certificates = models.JSONField(
        default=list, blank=True, help_text="[{sha256, subject}] of certificates ever listed."
    )
    # The expiry warnings already sent by e-mail: {"sha256": ..., "days": smallest threshold}.
    expiry_notice = models.JSONField(default=dict, blank=True)

    # Attribute mapping: an empty username attribute means the NameID.
    use_default_mapping = models.BooleanField(default=True)
    username_attribute = models.CharField(max_length=512, blank=True, default="")
    first_name_attribute = models.CharField(max_length=512, blank=True, default="")
    last_name_attribute = models.CharField(max_length=512, blank=True, default="")

    # Advanced SAML settings ("Set SAML attributes for SSO"); empty class ref = none requested.
    authn_context_class_ref = models.CharField(max_length=512, blank=True, default="")
    authn_context_comparison = models.CharField(
        max_length=8, choices=Comparison.choices, default=Comparison.EXACT
    )
    digest_method = models.CharField(
        max_length=128, choices=DigestMethod.choices, default=DigestMethod.SHA256
    )
    signature_method = models.CharField(
        max_length=128, choices=SignatureMethod.choices, default=SignatureMethod.RSA_SHA256
    )
    sign_requests = models.BooleanField(default=False)
    name_id_format = models.CharField(
        max_length=128, choices=NameIDFormat.choices, blank=True, default=NameIDFormat.UNSPECIFIED
    )
    force_authn = models.BooleanField(default=False)
    clock_skew_seconds = models.PositiveIntegerField(default=180)
    insecure_allow_sha1 = models.BooleanField(default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                "tenant", Lower("display_name"), name="sso_provider_display_name_unique_ci"
            ),
            models.CheckConstraint(
                condition=~models.Q(metadata_source="url") | ~models.Q(metadata_url=""),
                name="sso_provider_url_source_has_url",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "display_name"])]

    def __str__(self) -> str:
        return self.display_name


class SPIdentity(models.Model):
    """The tenant's service-provider key pairs, the private keys encrypted at rest.

    Two pairs, because they serve different parties and are replaced on
    different occasions: the signing pair signs AuthnRequests
    (``private_key_encrypted``/``certificate_pem``), the encryption pair lets
    an IdP encrypt assertions to the console (``encryption_key_encrypted``/
    ``encryption_certificate_pem``; empty on rows made before it existed,
    filled on first use). Private keys hold the output of
    :func:`ssoconsole.sso.keys.seal`, which names the key version it was
    sealed with; certificates are public and kept in clear.
    """

    tenant = models.OneToOneField(
        "tenancy.Tenant", on_delete=models.CASCADE, related_name="sp_identity", primary_key=True
    )
    private_key_encrypted = models.TextField()
    certificate_pem = models.TextField()
    encryption_key_encrypted = models.TextField(blank=True, default="")
    encryption_certificate_pem = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    # Rotation from the console (ssoconsole.sso.sp_rotation), per purpose: a *next* pair
    # prepared and published beside the current one, and after the switch the *previous*
    # pair, kept (its key too, for encryption: in-flight responses may still be encrypted
    # for it) until it is retired. Private keys are sealed under the purpose's context.
    signing_next_key_encrypted = models.TextField(blank=True, default="")
    signing_next_certificate_pem = models.TextField(blank=True, default="")
    signing_next_prepared_at = models.DateTimeField(null=True, blank=True)
    signing_previous_certificate_pem = models.TextField(blank=True, default="")
    signing_switched_at = models.DateTimeField(null=True, blank=True)
    encryption_next_key_encrypted = models.TextField(blank=True, default="")
    encryption_next_certificate_pem = models.TextField(blank=True, default="")
    encryption_next_prepared_at = models.DateTimeField(null=True, blank=True)
    encryption_previous_key_encrypted = models.TextField(blank=True, default="")
    encryption_previous_certificate_pem = models.TextField(blank=True, default="")
    encryption_switched_at = models.DateTimeField(null=True, blank=True)
    # When a response last needed the previous encryption key: retiring waits until it cannot.
    encryption_previous_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"SP identity of {self.tenant_id}"


# The sign-in models live in their own module (signin_models); importing them here registers them with the app.
from ssoconsole.sso.signin_models import ConsumedAssertion, SignInRequest, SignInTestResult  # noqa: E402,F401
