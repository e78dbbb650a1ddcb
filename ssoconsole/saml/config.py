"""Typed configuration that reaches the SAML core.

The application builds these frozen dataclasses from its models in one place
and passes them in; the core never reads settings, the ORM or the clock on its
own. Strict defaults live here, and every way to loosen them is named
``insecure_...`` so that it stands out in a review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

# URIs used across the core (SAML Core 8.3, SAML Bindings 3.4/3.5, XML-DSig).
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
NAMEID_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
NAMEID_TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
AC_PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
SIG_RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
DIGEST_SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


@dataclass(frozen=True)
class ServiceProvider:
    """The tenant's side of the federation.

    ``signing_key_pem``/``signing_cert_pem`` sign AuthnRequests (and appear in
    the SP metadata) when ``sign_requests`` of the request settings is on;
    ``encryption_key_pem``/``encryption_cert_pem`` decrypt EncryptedAssertions.
    Keys are PEM bytes, already decrypted by the application.
    """

    entity_id: str
    acs_url: str
    name_id_format: str = NAMEID_EMAIL
    signing_key_pem: bytes | None = None
    signing_cert_pem: bytes | None = None
    encryption_key_pem: bytes | None = None
    encryption_cert_pem: bytes | None = None
    organization_name: str | None = None


@dataclass(frozen=True)
class IdentityProvider:
    """What the SP trusts about one IdP, taken from its metadata only.

    ``signing_certificates`` are DER-encoded X.509 certificates; every one of
    them is trusted (several are listed during a certificate rollover).
    """

    entity_id: str
    signing_certificates: tuple[bytes, ...]
    sso_url_redirect: str | None = None
    sso_url_post: str | None = None


@dataclass(frozen=True)
class RequestSettings:
    """How AuthnRequests to one IdP are built ("Set SAML attributes for SSO").

    ``authn_context_class_ref`` of ``None`` requests no authentication context,
    which Windows-integrated and passwordless sign-in at the IdP need.
    """

    name_id_format: str | None = NAMEID_EMAIL
    allow_create: bool = True
    authn_context_class_ref: str | None = None
    authn_context_comparison: str = "exact"
    force_authn: bool = False
    sign_requests: bool = False
    signature_method: str = SIG_RSA_SHA256
    digest_method: str = DIGEST_SHA256


@dataclass(frozen=True)
class ValidationPolicy:
    """Strict rules for accepting a Response; defaults are the secure ones.

    ``clock_skew`` is allowed in both directions on every time check, because
    Entra ID sets NotBefore to the issue instant with no allowance of its own.
    """

    clock_skew: timedelta = timedelta(seconds=180)
    require_signed_assertion: bool = False
    max_response_bytes: int = 512 * 1024
    max_xml_depth: int = 64
    insecure_allow_sha1: bool = False
    allowed_transforms: frozenset[str] = field(
        default_factory=lambda: frozenset(
            {
                "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
                "http://www.w3.org/2001/10/xml-exc-c14n#",
            }
        )
    )


@dataclass(frozen=True)
class Expected:
    """What the SP is waiting for: the ID of the outstanding AuthnRequest.

    SP-initiated only: a Response must answer exactly this request.
    """

    request_id: str
