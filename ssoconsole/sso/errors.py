"""Why a provider change or a metadata download was refused, one class per reason.

They are ``DomainError`` subclasses, so the REST API and the console map
them to responses in the one place they map every domain error. Each class
has a stable ``code`` and each message says what happened and what to do.
"""

from __future__ import annotations

from ssoconsole.core.errors import DomainError

UPLOAD_INSTEAD = "Download the metadata file from your identity provider and upload it instead."


TRY_AGAIN = "This is usually temporary: try again in a few minutes."


class MetadataURLError(DomainError):
    """The metadata URL cannot be used; ``field`` is ``metadataUrl``.

    ``transient`` marks failures that go away by themselves (a timeout, a
    refused connection, a 5xx): their advice is to try again, and a
    scheduled refresh retries them sooner, with backoff.
    """

    code = "sso.metadata_url_error"
    transient = False

    def __init__(self, message: str, **kwargs) -> None:
        kwargs.setdefault("field", "metadataUrl")
        super().__init__(message, **kwargs)


class MetadataURLInvalid(MetadataURLError):
    code = "sso.metadata_url_invalid"


class MetadataURLNotHttps(MetadataURLError):
    code = "sso.metadata_url_not_https"


class MetadataHostNotAllowed(MetadataURLError):
    code = "sso.metadata_host_not_allowed"


class MetadataHostUnresolvable(MetadataURLError):
    code = "sso.metadata_host_unresolvable"


class MetadataAddressForbidden(MetadataURLError):
    code = "sso.metadata_address_forbidden"


class MetadataRedirectRefused(MetadataURLError):
    code = "sso.metadata_redirect_refused"


class MetadataTooManyRedirects(MetadataURLError):
    code = "sso.metadata_too_many_redirects"


class MetadataFetchTimeout(MetadataURLError):
    transient = True
    code = "sso.metadata_fetch_timeout"


class MetadataTLSFailed(MetadataURLError):
    code = "sso.metadata_tls_failed"


class MetadataConnectionFailed(MetadataURLError):
    transient = True
    code = "sso.metadata_connection_failed"


class MetadataHTTPError(MetadataURLError):
    code = "sso.metadata_http_error"

    @property
    def transient(self) -> bool:  # type: ignore[override]
        """A server error or "too many requests" passes; a 404 or 403 needs a person."""
        status = (self.details or {}).get("status", 0)
        return status >= 500 or status in (408, 429)


class MetadataSourceRequired(DomainError):
    code = "sso.metadata_source_required"


class MetadataTooLarge(DomainError):
    code = "sso.metadata_too_large"


class MetadataRejected(DomainError):
    """The document was read but the SAML core refused it; ``code`` is the core's code."""

    code = "sso.metadata_rejected"


class MetadataCertificatesExpired(DomainError):
    code = "sso.metadata_certificates_expired"


class ProviderInUse(DomainError):
    status = 409
    code = "sso.provider_in_use"


class ProviderNotFound(DomainError):
    status = 404
    code = "sso.provider_not_found"


class RefreshNotApplicable(DomainError):
    code = "sso.refresh_not_applicable"


class RefreshInProgress(DomainError):
    status = 409
    code = "sso.refresh_in_progress"


class KeyDecryptionFailed(DomainError):
    """The SP private key cannot be decrypted with the current or a fallback secret key."""

    status = 500
    code = "sso.sp_key_undecryptable"
