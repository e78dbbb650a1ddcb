"""The sso app's registry of error codes: every ``sso.*`` code is defined here, once.

Three families, all :class:`~ssoconsole.core.errors.DomainError`:

* provider changes and metadata downloads refused (the REST API and the
  console show the message next to the field);
* sign-in refusals (:class:`SSORefusal`), beyond what the SAML core checks:
  the browser binding, the outstanding request, the user, the org's provider,
  the replay cache; they have the core's shape (a fixed ``user_message`` for
  the person signing in, an ``admin_message()`` with the values that
  differed), so that :mod:`ssoconsole.sso.refusal_pages` turns both into a
  page in one place;
* attribute mapping failures (:class:`MappingError`).

Add a class for a new reason instead of passing another message to an old
one: codes are what administrators search docs/troubleshooting.md for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from ssoconsole.core.errors import Conflict, DomainError, Refusal, ValidationFailed

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


class MetadataURLIsOwnSP(MetadataURLError):
    """The URL pasted as the provider's metadata is this console's own SP metadata URL."""

    code = "sso.metadata_url_is_own_sp"


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
    """The document was read but the SAML core refused it.

    The instance answers with the core's own code (a ``saml.metadata_*`` code
    of the SAML core's registry), so the administrator looks up the precise
    reason; this class's code stands for the family.
    """

    code = "sso.metadata_rejected"

    def __init__(self, cause: DomainError, *, field: str = "metadata") -> None:
        super().__init__(cause.admin_message(), field=field, details=cause.as_dict())
        self.code = cause.code
        self.cause = cause


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
    """The SP private key cannot be decrypted with the current or a fallback secret key.

    503, like an outage of the database: nothing the caller sent is wrong, and
    the service works again once the server's secret key is restored.
    """

    status = 503
    code = "sso.sp_key_undecryptable"


class MetadataEmpty(DomainError):
    """The metadata document sent is empty."""

    code = "sso.metadata_empty"


class MetadataSourceConflict(DomainError):
    """Both metadataXml and metadataUrl were sent; one is needed."""

    code = "sso.metadata_source_conflict"


class EntityIdWithoutMetadata(ValidationFailed):
    """entityId picks an entity out of new metadata and was sent without any."""

    code = "sso.entity_id_without_metadata"


class MappingAttributeWithDefault(ValidationFailed):
    """An attribute name was sent while the default mapping is chosen."""

    code = "sso.mapping_attribute_with_default"


class OrgsConflictingChoice(ValidationFailed):
    """An organization was both selected to use the provider and to inherit."""

    code = "sso.orgs_conflicting_choice"


class DisplayNameRequired(ValidationFailed):
    """The provider's display name is empty."""

    code = "sso.display_name_required"


class DisplayNameTooLong(ValidationFailed):
    """The provider's display name is longer than its limit."""

    code = "sso.display_name_too_long"


class DisplayNameTaken(Conflict):
    """Another provider of the tenant has this display name."""

    code = "sso.display_name_taken"


class AttributeNameInvalid(ValidationFailed):
    """An attribute name for the mapping is not usable."""

    code = "sso.attribute_name_invalid"


class SettingInvalid(ValidationFailed):
    """An advanced SAML setting has a value outside its choices."""

    code = "sso.setting_invalid"


class SettingUnknown(ValidationFailed):
    """An advanced SAML setting that does not exist."""

    code = "sso.setting_unknown"


class SHA1NotAllowed(ValidationFailed):
    """SHA-1 was chosen for signed requests while the insecure switch is off."""

    code = "sso.sha1_not_allowed"


class SPKeyPurposeInvalid(ValidationFailed):
    """An SP key purpose other than signing or encryption."""

    code = "sso.sp_key_purpose_invalid"


class SPKeyAlreadyPrepared(Conflict):
    """A next SP key is already prepared for this purpose."""

    code = "sso.sp_key_already_prepared"


class SPKeyPreviousNotRetired(Conflict):
    """The previous SP key of this purpose is not retired yet."""

    code = "sso.sp_key_previous_not_retired"


class SPKeyNotPrepared(Conflict):
    """No next SP key is prepared, so there is nothing to switch to."""

    code = "sso.sp_key_not_prepared"


class SPKeyNothingToRetire(Conflict):
    """There is no old SP key of this purpose to retire."""

    code = "sso.sp_key_nothing_to_retire"


class SPKeyRetireTooEarly(Conflict):
    """The old SP key's grace period has not passed yet."""

    code = "sso.sp_key_retire_too_early"


# --- Sign-in refusals -----------------------------------------------------------------------------

START_AT_LOGIN = "Start again from the login page."


class SSORefusal(Refusal):
    """Base class of the application's sign-in refusals; ``status`` is the HTTP status of the page."""

    code: ClassVar[str] = "sso.refused"
    status: ClassVar[int] = 400
    user_message: ClassVar[str] = "Single sign-on could not be completed. " + START_AT_LOGIN
    admin_hint: ClassVar[str] = ""
    # The outstanding request the refusal concerns, when one was found (set by ``outstanding``).
    record = None


_BOOKMARK = (
    "Sign-in must start from this console's login page, not from your identity provider's portal: "
    "open the login page (or your bookmark of it), enter your username and continue from there."
)


class IdPInitiatedSignIn(SSORefusal):
    """A sign-in answer arrived without RelayState: it was started at the identity provider (docs/rules.md#sp-initiated-only)."""

    code = "sso.unsolicited_response"
    user_message = _BOOKMARK
    admin_hint = (
        "Identity-provider-initiated sign-in is not supported. In Entra ID, set Basic SAML Configuration > "
        "Sign on URL to the console's login URL so that the My Apps tile starts the sign-in here."
    )


class RequestNotFound(SSORefusal):
    """The RelayState names no sign-in this console started for this tenant."""

    code = "sso.request_not_found"
    expected_in_words = (
        "the RelayState of a sign-in started in this browser in the last few minutes"
    )
    user_message = _BOOKMARK
    admin_hint = (
        "The RelayState is not one this console issued (or the request was purged). A RelayState configured at "
        "the identity provider is ignored: only sign-ins started at the login URL are accepted."
    )


class RequestExpired(SSORefusal):
    """The sign-in request expired before the identity provider's answer arrived."""

    code = "sso.request_expired"
    user_message = "The sign-in took too long and expired. " + START_AT_LOGIN
    admin_hint = "Sign-in requests are valid for a few minutes; the user took longer at the identity provider."


class RequestAlreadyUsed(SSORefusal):
    """The sign-in request was already answered once; each request is single use."""

    code = "sso.request_already_used"
    user_message = "This sign-in was already completed or refused. " + START_AT_LOGIN
    admin_hint = (
        "A second answer to one request (a reloaded or resubmitted page, or a replay) is refused."
    )


class RequestCookieMissing(SSORefusal):
    """The browser did not send back the cookie that binds the sign-in to it."""

    code = "sso.request_cookie_missing"
    user_message = (
        "Your browser did not send back the sign-in cookie this console set when you started, so the answer "
        "from your identity provider cannot be matched to you. Allow cookies for this site (blocking third-party "
        "or cross-site cookies can cause this) and start again from the login page, in the same browser."
    )
    admin_hint = (
        "The request-state cookie was lost on the identity provider's cross-site POST: the browser blocked it "
        "(SameSite or third-party cookie settings, a privacy extension), the sign-in was finished in another "
        "browser, or the console is served over http from a host that is not same-site with the IdP. Serve the "
        "console over https, where the cookie is SameSite=None; Secure."
    )


class RequestCookieMismatch(SSORefusal):
    """The binding cookie belongs to another sign-in than the one the answer is for."""

    code = "sso.request_other_browser"
    user_message = "This sign-in was started in another browser or tab. " + START_AT_LOGIN
    admin_hint = "The browser-binding cookie does not match the outstanding request (stolen or forwarded answer?)."


class ResponseMissing(SSORefusal):
    """The POST carries no SAMLResponse field (SAML Bindings 3.5.4)."""

    code = "sso.response_missing"
    user_message = "No sign-in answer arrived from your identity provider. " + START_AT_LOGIN
    admin_hint = (
        "The assertion consumer service expects an HTTP-POST form with a SAMLResponse field."
    )


class RequestTooLarge(SSORefusal):
    """The POST to the assertion consumer service is larger than any identity provider needs."""

    code = "sso.post_too_large"
    status = 413
    user_message = "The sign-in answer was too large to process. " + START_AT_LOGIN
    admin_hint = "Very large group or attribute lists make the response too big; send fewer claims."


class NotAPost(SSORefusal):
    """The assertion consumer service only receives HTTP-POST answers from identity providers."""

    code = "sso.acs_method_not_allowed"
    status = 405
    user_message = (
        "This address receives sign-in answers from identity providers. " + START_AT_LOGIN
    )


class TenantNotFound(SSORefusal):
    """The assertion consumer service URL names no tenant of this console."""

    code = "sso.tenant_not_found"
    expected_in_words = "the id of a tenant of this console, as in its ACS URL"
    status = 404
    user_message = "This sign-in address is not valid. " + START_AT_LOGIN
    admin_hint = "Copy the ACS URL again from Administration > Integrations > Identity Management."


class UnknownUser(SSORefusal):
    """The username the identity provider asserted belongs to no user of this tenant."""

    code = "sso.unknown_user"
    status = 403
    user_message = (
        "Your identity provider signed you in, but this console has no account with your username. "
        "Ask your administrator to create your account with the same username as at your identity provider."
    )
    admin_hint = (
        "SSO does not create users: create the user with exactly this username, or change the attribute mapping "
        "so that the username matches."
    )


class UserInactive(SSORefusal):
    """The user exists but is deactivated."""

    code = "sso.user_inactive"
    status = 403
    user_message = (
        "Your account is deactivated. Ask an administrator of your organization to reactivate it."
    )
    admin_hint = "Reactivate the user to allow sign-in."


class OrgNotUsingSSO(SSORefusal):
    """The user's organization signs in with passwords, not with single sign-on."""

    code = "sso.org_not_using_sso"
    status = 403
    user_message = (
        "Your organization does not sign in with single sign-on. Go to the login page, enter your username and "
        "sign in with your password."
    )
    admin_hint = "Apply the provider to the user's organization (Organizations in use) to let its users sign in with it."


class OrgUsesOtherProvider(SSORefusal):
    """The user's organization signs in with another identity provider than the one that answered."""

    code = "sso.org_uses_other_provider"
    status = 403
    user_message = (
        "You signed in at an identity provider that your organization does not use. Go to the login page, "
        "enter your username and sign in with your organization's provider."
    )
    admin_hint = (
        "Check Organizations in use of both providers, or the org's Authentication setting."
    )


class AssertionReplayed(SSORefusal):
    """This assertion was already used to sign in (SAML Profiles 4.1.4.5: one use per assertion)."""

    code = "sso.assertion_replayed"
    user_message = "This sign-in answer was already used. " + START_AT_LOGIN
    admin_hint = (
        "A second POST of an accepted response (a resubmitted page, or a replay attack) is refused."
    )


class IdPSessionEnded(SSORefusal):
    """The identity provider's session (SessionNotOnOrAfter) ends before a console session could start."""

    code = "sso.idp_session_ended"
    status = 403
    user_message = "Your identity provider's session has ended. Sign in at your identity provider again from the login page."
    admin_hint = (
        "SessionNotOnOrAfter in the assertion is not in the future; check the server clocks."
    )


class WrongProvider(SSORefusal):
    """The user chose a provider that is not the one of their organization."""

    code = "sso.wrong_provider"
    status = 400


class ThrottledSignIn(SSORefusal):
    """Too many sign-in attempts or refusals from one client address."""

    code = "sso.throttled"
    status = 429


class SigningKeyUnavailable(SSORefusal):
    """The tenant's SP signing key cannot be decrypted, so no signed AuthnRequest can be sent."""

    code = "sso.sp_signing_key_unavailable"
    status = 503
    user_message = "Single sign-on is unavailable because of a server configuration problem. Tell your administrator."
    admin_hint = "Restore the server's secret key (the server log says more), or turn off signed requests for this provider."


class DecryptionKeyUnavailable(SSORefusal):
    """The IdP encrypted the assertion, but the tenant's SP encryption key cannot be decrypted at rest.

    Same cause as :class:`SigningKeyUnavailable`, but answered by the ACS,
    which never sends a 5xx (docs/identity-management.md, SP keys at rest).
    """

    code = "sso.sp_decryption_key_unavailable"
    status = 400
    user_message = "Single sign-on is unavailable because of a server configuration problem. Tell your administrator."
    admin_hint = (
        "Restore the server's secret key (the server log says more), or turn off token encryption at the identity "
        "provider (Entra ID: Token encryption)."
    )


class UnexpectedFailure(SSORefusal):
    """The sign-in answer could not be processed because of an unexpected server error (logged with a traceback)."""

    code = "sso.unexpected_error"
    user_message = (
        "Single sign-on could not be completed. "
        + START_AT_LOGIN
        + " If it keeps failing, tell your administrator."
    )
    admin_hint = (
        "The server log has the traceback; this is a bug or an outage (for example the database)."
    )


class ProviderMissing(SSORefusal):
    """The organization's effective setting names a provider that no longer exists in the tenant."""

    code = "sso.provider_missing"
    expected_in_words = (
        "an authentication provider that still exists, used by the user's organization"
    )
    status = 409
    user_message = (
        "Single sign-on for your organization is not set up correctly. Tell your administrator."
    )
    admin_hint = "Choose an existing provider (or local sign-in) in the organization's Authentication settings."


# --- a signing key the provider's metadata does not list (see ssoconsole.sso.rollover) ---------

_UNKNOWN_KEY_USER = (
    "Your identity provider signed the sign-in with a certificate this console does not trust "
    "(yet). Tell your administrator."
)
_MAY_BE_FORGED = (
    "A certificate's name is easy to copy: if nobody at the identity provider created a "
    "certificate with this thumbprint, treat the response as a forgery attempt and trust nothing."
)


class SigningKeyNotListedYet(SSORefusal):
    """The response was signed with a new certificate that looks like the provider's but is not listed."""

    code = "sso.signing_key_not_listed_yet"
    user_message = _UNKNOWN_KEY_USER
    admin_hint = (
        "At the identity provider (Entra ID: Single sign-on > SAML Certificates) compare the "
        "Thumbprint. Entra ID lists a new certificate in its metadata as soon as it exists, "
        "active or not, and the console trusts it from the next download. " + _MAY_BE_FORGED
    )


class SigningKeyRetired(SSORefusal):
    """The IdP signed with a certificate its metadata listed before but no longer lists."""

    code = "sso.signing_key_retired"
    user_message = _UNKNOWN_KEY_USER
    admin_hint = (
        "The identity provider dropped this certificate from its metadata but still signs with "
        "it: a rollover was finished (or the certificate deleted) before the new certificate was "
        "made active. At the identity provider, make the certificate its metadata lists the "
        "active one (Entra ID: SAML Certificates > Make certificate active), or list the old one "
        "again."
    )


class SigningKeyForeign(SSORefusal):
    """The response was signed with a key unlike any this provider ever listed: not a rollover."""

    code = "sso.signing_key_foreign"
    user_message = _UNKNOWN_KEY_USER
    admin_hint = (
        "This does not look like a rollover of this provider's certificate. Unless the identity "
        "provider's administrator recognises the thumbprint, treat the response as a forgery "
        "attempt; nothing needs to change in the console. If the provider really moved to new "
        "certificates of another kind, its metadata will list them and the console will trust "
        "them from then on."
    )


# --- Attribute mapping ---------------------------------------------------------------------------


class MappingError(DomainError):
    """The assertion cannot be turned into a username; ``code`` is stable, ``received`` lists attribute names."""

    code = "sso.mapping_failed"

    def __init__(self, message: str, *, received: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.received = tuple(received)

    def as_dict(self) -> dict:
        """Return the code, the sentence and the attribute names received (never their values)."""
        return {
            "code": self.code,
            "message": self.message,
            "receivedAttributes": list(self.received),
        }


class MappingUsernameAttributeMissing(MappingError):
    code = "sso.mapping_username_attribute_missing"


class MappingNameIDMissing(MappingError):
    code = "sso.mapping_name_id_missing"


class MappingUsernameInvalid(MappingError):
    code = "sso.mapping_username_invalid"


class ProviderChoiceRequired(SSORefusal):
    """The login page listed several providers and none was chosen."""

    code = "sso.provider_required"
    user_message = "Choose one of the listed identity providers."
