"""Every reason the SAML core refuses something, one class per reason.

The classes are the contract between the core and the application: the
application maps them to HTTP responses, audit events and console messages in
exactly one place, using ``code`` (stable, documented, safe to show), the
``user_message`` (for the person signing in, never containing secrets or
attacker-controlled text) and ``admin_message()`` (for the administrator, with
the values that differed and what to change, in the identity provider's words
where that helps).

Add a new class for a new reason instead of reusing one with another message:
codes are what administrators search the troubleshooting guide for.
"""

from __future__ import annotations

from typing import Any, ClassVar


class Refusal(Exception):
    """A refusal that explains itself: a stable code, a user sentence and an admin sentence.

    Shared by the core's :class:`SAMLError` and the application's own sign-in
    refusals, so that one page, one audit format and one troubleshooting guide
    serve both. ``expected`` and ``actual`` carry the values an administrator
    compares; ``context`` carries any further named values (for example the
    clock difference in seconds). None of them may hold key material.
    """

    code: ClassVar[str] = "refused"
    user_message: ClassVar[str] = "Sign-in failed. Start again from the login page."
    admin_hint: ClassVar[str] = ""
    # What is expected, in words, for the refusals raised with an ``actual`` value but no single
    # ``expected`` one (a rule rather than a value, e.g. "a SHA-256 or stronger method").
    expected_in_words: ClassVar[str] = ""

    def __init__(
        self,
        detail: str | None = None,
        *,
        expected: Any = None,
        actual: Any = None,
        **context: Any,
    ) -> None:
        self.detail = detail
        self.expected = expected
        self.actual = actual
        self.context = context
        super().__init__(self.admin_message())

    def admin_message(self) -> str:
        """Return the sentence for the administrator: what differed and what to change."""
        parts = [self.detail or (self.__class__.__doc__ or "").strip().splitlines()[0]]
        if self.expected is not None or self.actual is not None:
            parts.append(
                f"Expected: {self.expected_text()}; received: {describe_value(self.actual)}."
            )
        if self.admin_hint:
            parts.append(self.admin_hint)
        return " ".join(p.rstrip() for p in parts if p)

    def expected_text(self) -> str:
        """Return what was expected in words: the expected value, else the class's rule."""
        if self.expected is None and self.expected_in_words:
            return self.expected_in_words
        return describe_value(self.expected)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly description for audit events and API errors."""
        return {
            "code": self.code,
            "userMessage": self.user_message,
            "adminMessage": self.admin_message(),
            "expected": _jsonable(self.expected),
            "actual": _jsonable(self.actual),
            **{k: _jsonable(v) for k, v in self.context.items()},
        }


def describe_value(value: Any) -> str:
    """Write a compared value into a sentence: words and plain values, never Python syntax.

    Administrators read these messages; ``['A']`` or ``None`` is program
    output, not an answer. Text is quoted so that an empty or spaced value
    stays visible; a list reads "one of “A”, “B”".
    """
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [describe_value(v) for v in value]
        if not items:
            return "none"
        return items[0] if len(items) == 1 else "one of " + ", ".join(items)
    if isinstance(value, str):
        return f"“{value}”"
    return str(value)


def _jsonable(value: Any) -> Any:
    """Return ``value`` as JSON can store it (other objects as their text)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return str(value)


class SAMLError(Refusal):
    """Base class of every refusal raised by ``ssoconsole.saml``."""

    code: ClassVar[str] = "saml.error"
    user_message: ClassVar[str] = (
        "Single sign-on failed. Start again from the login page; if it keeps "
        "failing, tell your administrator."
    )
    admin_hint: ClassVar[str] = "See the troubleshooting guide for this error code."


# --- Response validation (ssoconsole.saml.response) -------------------------
# Signature errors live in ``xmldsig``, decryption errors in ``encryption``,
# XML parsing errors in ``xml``; all share the SAMLError base above.

_REPLY_URL_HINT = (
    "In Entra ID, Basic SAML Configuration > Reply URL (Assertion Consumer Service URL) "
    "must be exactly the console's ACS URL."
)
_SECURITY_REFUSAL = "The sign-in message was refused for security reasons."
_START_AGAIN = "Sign-in could not be completed. Start again from the login page."


class ResponseTooLarge(SAMLError):
    """The posted SAMLResponse is larger than any identity provider needs to send."""

    code = "saml.response_too_large"
    user_message = "The sign-in message was too large to process. Start again from the login page."
    admin_hint = "Very large group or attribute lists make the response too big; send fewer claims."


class ResponseNotBase64(SAMLError):
    """The SAMLResponse form value is not valid base64 (SAML Bindings 3.5.4)."""

    code = "saml.response_not_base64"
    user_message = "The sign-in message could not be read. Start again from the login page."
    admin_hint = "The SAMLResponse form field must be base64; something altered the form post."


class ResponseMalformed(SAMLError):
    """The message is XML but not a SAML 2.0 Response as SAML Core 3.2.2 defines it."""

    code = "saml.response_malformed"
    user_message = "The sign-in message could not be read. Start again from the login page."
    admin_hint = "The identity provider's answer is not a SAML 2.0 Response; check that the provider speaks SAML 2.0 with the HTTP-POST binding."


class StatusNotSuccess(SAMLError):
    """The identity provider reported that it did not authenticate the user."""

    code = "saml.status_not_success"
    user_message = (
        "Your identity provider could not sign you in. Start again from the login page; "
        "if it keeps failing, tell your administrator."
    )
    admin_hint = "The status message is the identity provider's own reason (for Entra ID an AADSTS code; look it up in Microsoft's error reference)."


class AssertionCountInvalid(SAMLError):
    """The Response does not contain exactly one assertion."""

    code = "saml.assertion_count"
    user_message = _SECURITY_REFUSAL
    admin_hint = "Exactly one Assertion or EncryptedAssertion is accepted in a Response."


class AssertionSignatureRequired(SAMLError):
    """The policy demands a signed Assertion and only the Response was signed."""

    code = "saml.assertion_signature_required"
    user_message = "The sign-in message was not signed as required. Tell your administrator."
    admin_hint = "In Entra ID, 'SAML Signing Certificate' > 'Signing Option' must include signing the assertion."


class IssuerMismatch(SAMLError):
    """The Response or Assertion was issued by another entity than the configured provider."""

    code = "saml.issuer_mismatch"
    user_message = "The sign-in message came from an identity provider this console does not expect. Tell your administrator."
    admin_hint = "The provider's metadata names another entity ID; import the metadata of the identity provider (and Entra directory) that users sign in with."


class DestinationMissing(SAMLError):
    """A signed Response does not say where it is going."""

    code = "saml.destination_missing"
    user_message = _SECURITY_REFUSAL
    admin_hint = "SAML Bindings 3.5.5.2 requires Destination on a signed Response."


class DestinationMismatch(SAMLError):
    """The Response was addressed to another URL than this console's ACS URL."""

    code = "saml.destination_mismatch"
    user_message = _START_AGAIN
    admin_hint = _REPLY_URL_HINT


class UnsolicitedResponse(SAMLError):
    """The Response answers no request: it was started at the identity provider."""

    code = "saml.unsolicited_response"
    user_message = (
        "Sign-in must start from this console, not from your identity provider's app portal. "
        "Open the console's login page (or your bookmark of it) and sign in from there."
    )
    admin_hint = (
        "Identity-provider-initiated sign-in is not supported. In Entra ID, set Basic SAML "
        "Configuration > Sign on URL to the console's login URL so the My Apps tile starts "
        "the sign-in here."
    )


class InResponseToMismatch(SAMLError):
    """The Response answers another request than the one this browser started."""

    code = "saml.in_response_to_mismatch"
    user_message = (
        "This sign-in answer belongs to another sign-in attempt. Start again from the login page "
        "in one browser tab."
    )
    admin_hint = "The request ID does not match the browser's outstanding request (old tab, or the request cookie was lost)."


class SubjectConfirmationMissing(SAMLError):
    """The Assertion has no bearer SubjectConfirmation (SAML Profiles 4.1.4.2)."""

    code = "saml.subject_confirmation_missing"
    user_message = _SECURITY_REFUSAL
    admin_hint = "Web SSO assertions must carry a bearer SubjectConfirmation with Recipient, NotOnOrAfter and InResponseTo."


class RecipientMismatch(SAMLError):
    """The bearer confirmation names another Recipient than this console's ACS URL."""

    code = "saml.recipient_mismatch"
    user_message = _START_AGAIN
    admin_hint = _REPLY_URL_HINT


class SubjectConfirmationExpired(SAMLError):
    """The bearer confirmation's NotOnOrAfter has passed."""

    code = "saml.subject_confirmation_expired"
    user_message = (
        "The sign-in took too long or the answer was replayed. Start again from the login page."
    )
    admin_hint = "If this happens to everyone, the identity provider's clock or the console server's clock is wrong."


class AssertionNotYetValid(SAMLError):
    """The Assertion's NotBefore is later than now plus the allowed clock skew."""

    code = "saml.assertion_not_yet_valid"
    user_message = "Sign-in failed because of a clock difference. Wait a moment and start again from the login page."
    admin_hint = "Synchronise the console server's clock (NTP), or raise the allowed clock skew in the provider's advanced settings."


class AssertionExpired(SAMLError):
    """The Assertion's NotOnOrAfter is earlier than now minus the allowed clock skew."""

    code = "saml.assertion_expired"
    user_message = "The sign-in answer has expired. Start again from the login page."
    admin_hint = "Synchronise the console server's clock (NTP); a delayed or replayed answer also causes this."


class AudienceMismatch(SAMLError):
    """The Assertion is meant for another service provider."""

    code = "saml.audience_mismatch"
    user_message = (
        "Your identity provider is configured for another application. Tell your administrator."
    )
    admin_hint = "The identity provider must use the console's entity ID as the audience."


class ConditionUnsupported(SAMLError):
    """The Assertion carries a condition this console cannot evaluate (SAML Core 2.5.1)."""

    code = "saml.condition_unsupported"
    expected_in_words = (
        "only AudienceRestriction, OneTimeUse and ProxyRestriction conditions (SAML Core 2.5.1)"
    )
    user_message = _SECURITY_REFUSAL
    admin_hint = "Assertions with unknown conditions are indeterminate and refused."


class NameIDMissing(SAMLError):
    """The Assertion's Subject has no usable NameID."""

    code = "saml.name_id_missing"
    user_message = "Your identity provider did not say who you are. Tell your administrator."
    admin_hint = "The assertion needs a Subject with a NameID (an EncryptedID is not supported). In Entra ID, check Attributes & Claims > Unique User Identifier."


class NameIDMalformed(SAMLError):
    """The NameID holds elements instead of plain text (SAML Core 2.2.3)."""

    code = "saml.name_id_malformed"
    user_message = _SECURITY_REFUSAL
    admin_hint = "A NameID must be plain text."


class AuthnStatementMissing(SAMLError):
    """The Assertion has no AuthnStatement (SAML Profiles 4.1.4.2)."""

    code = "saml.authn_statement_missing"
    user_message = _SECURITY_REFUSAL
    admin_hint = "Web SSO assertions must contain an AuthnStatement."


class SessionExpired(SAMLError):
    """The identity provider's session ended before the Assertion arrived."""

    code = "saml.session_expired"
    user_message = "Your identity provider's session has ended. Start again from the login page."
    admin_hint = "SessionNotOnOrAfter is in the past; check the console server's clock."


class TimeMalformed(SAMLError):
    """A time value is not an xs:dateTime in UTC (SAML Core 1.3.3)."""

    code = "saml.time_malformed"
    expected_in_words = "an xs:dateTime in UTC, such as 2026-01-31T09:30:00Z"
    user_message = "The sign-in message could not be read. Start again from the login page."
    admin_hint = "Time values must be xs:dateTime in UTC."


# --- IdP metadata, SP metadata, AuthnRequest and bindings -------------------
# (ssoconsole.saml.metadata, .sp_metadata, .authn_request, .bindings)


_UPLOAD_HINT = "Download the federation metadata XML from the identity provider and upload it."


class MetadataError(SAMLError):
    """The identity provider's metadata cannot be used."""

    code = "saml.metadata_error"
    user_message = "Single sign-on is not set up correctly. Tell your administrator."
    admin_hint = _UPLOAD_HINT


class MetadataNotXML(MetadataError):
    """The file is not XML, so it cannot be SAML metadata."""

    code = "saml.metadata_not_xml"
    admin_hint = (
        "The file is not XML (a web page or a sign-in page is a common mistake). " + _UPLOAD_HINT
    )


class MetadataIncomplete(MetadataError):
    """The document starts as XML but is cut off or damaged, so it cannot be read to the end."""

    code = "saml.metadata_incomplete"
    admin_hint = (
        "The download or the copy was interrupted, or the file was edited by hand. Download the "
        "federation metadata XML again (Entra ID: SAML Certificates > Federation Metadata XML) and "
        "use that file as it is."
    )


class MetadataNotSAML(MetadataError):
    """The XML is not SAML 2.0 metadata (no EntityDescriptor or EntitiesDescriptor)."""

    code = "saml.metadata_not_saml"
    admin_hint = (
        "Use the SAML 2.0 metadata (Entra ID: 'Federation Metadata XML' in the Single "
        "sign-on page of the enterprise application), not a certificate or another document. "
        + _UPLOAD_HINT
    )


class MetadataNoIdP(MetadataError):
    """The metadata describes no SAML 2.0 identity provider (no IDPSSODescriptor)."""

    code = "saml.metadata_no_idp"
    admin_hint = (
        "This is probably a service provider's metadata (ours or another application's). "
        + _UPLOAD_HINT
    )


class MetadataEntityAmbiguous(MetadataError):
    """The metadata lists several identity providers and none was chosen."""

    code = "saml.metadata_entity_ambiguous"
    expected_in_words = "exactly one identity provider with the chosen entity ID"
    admin_hint = "Enter the entity ID of the identity provider to use; the ones found are listed."


class MetadataEntityNotFound(MetadataError):
    """The identity provider asked for is not in the metadata."""

    code = "saml.metadata_entity_not_found"
    admin_hint = "Check the entity ID of the identity provider; the ones found are listed."


class MetadataNoSigningCertificate(MetadataError):
    """The identity provider publishes no signing certificate, so no assertion could be trusted."""

    code = "saml.metadata_no_signing_certificate"
    admin_hint = (
        "Make sure the identity provider has an active SAML signing certificate (Entra ID: "
        "'SAML Certificates'), then download its metadata again and upload it."
    )


class MetadataCertificateUnreadable(MetadataError):
    """A signing certificate in the metadata is not a readable X.509 certificate."""

    code = "saml.metadata_certificate_unreadable"
    admin_hint = "The file may have been edited or truncated. " + _UPLOAD_HINT


class MetadataNoSSOEndpoint(MetadataError):
    """The identity provider has no HTTP-Redirect or HTTP-POST single sign-on endpoint."""

    code = "saml.metadata_no_sso_endpoint"
    admin_hint = (
        "Enable SAML 2.0 single sign-on with the HTTP-Redirect or HTTP-POST binding at the "
        "identity provider. " + _UPLOAD_HINT
    )


class MetadataEndpointInvalid(MetadataError):
    """A single sign-on endpoint location is not an absolute http(s) URL."""

    code = "saml.metadata_endpoint_invalid"
    admin_hint = "The sign-in URL in the metadata must start with https://. " + _UPLOAD_HINT


class MetadataInvalidValue(MetadataError):
    """A date or duration in the metadata is not in the format the schema requires."""

    code = "saml.metadata_invalid_value"


class MetadataExpired(MetadataError):
    """The metadata's validUntil has passed, so it must not be used any more."""

    code = "saml.metadata_expired"
    admin_hint = "Download current metadata from the identity provider and upload it."


class MetadataUnsigned(MetadataError):
    """The metadata carries no signature although a trusted certificate was given."""

    code = "saml.metadata_unsigned"
    admin_hint = (
        "Download the signed metadata from the identity provider, or remove the metadata "
        "signing certificate from the provider's settings if it does not sign its metadata."
    )


class MetadataSignatureInvalid(MetadataError):
    """The metadata's signature does not verify with the trusted certificate."""

    code = "saml.metadata_signature_invalid"
    admin_hint = (
        "The file was changed after the identity provider signed it, or the metadata signing "
        "certificate configured here is not the one it uses. " + _UPLOAD_HINT
    )


class SPCertificateMissing(SAMLError):
    """The SP metadata needs a certificate that the tenant does not have."""

    code = "saml.sp_certificate_missing"
    user_message = "Single sign-on is not set up correctly. Tell your administrator."
    admin_hint = "Generate the SP key pair for this tenant before enabling signed requests."


class SPCertificateUnreadable(SAMLError):
    """An SP certificate is not a PEM X.509 certificate."""

    code = "saml.sp_certificate_unreadable"
    user_message = "Single sign-on is not set up correctly. Tell your administrator."
    admin_hint = "Generate a new SP key pair for this tenant."


class RequestSettingsInvalid(SAMLError):
    """A SAML request setting of the provider has a value the request cannot carry."""

    code = "saml.request_settings_invalid"
    user_message = "Single sign-on is not set up correctly. Tell your administrator."
    admin_hint = (
        "Correct the provider's SAML request settings (authentication context, comparison, "
        "name ID format) and try the change on a test organization first."
    )


class IdPEndpointMissing(SAMLError):
    """The identity provider has no single sign-on URL for the binding the request uses."""

    code = "saml.idp_sso_endpoint_missing"
    user_message = "Single sign-on is not set up correctly. Tell your administrator."
    admin_hint = "Upload metadata that lists an HTTP-Redirect or HTTP-POST SingleSignOnService."


class RelayStateTooLong(SAMLError):
    """The RelayState is longer than the 80 bytes SAML Bindings 3.4.3 and 3.5.3 allow."""

    code = "saml.relay_state_too_long"
    admin_hint = "RelayState must be a short opaque token; keep the target URL on the server."


class UnsupportedSignatureMethod(SAMLError):
    """The configured request signature method is not one this service can sign with."""

    code = "saml.signature_method_unsupported"
    user_message = "Single sign-on is not set up correctly. Tell your administrator."
    admin_hint = (
        "Set the signature method to http://www.w3.org/2001/04/xmldsig-more#rsa-sha256 "
        "(the only one Entra ID accepts for signed requests)."
    )


class SigningKeyUnusable(SAMLError):
    """The SP signing key cannot sign requests (unreadable, encrypted, or not RSA)."""

    code = "saml.sp_signing_key_unusable"
    user_message = "Single sign-on is not set up correctly. Tell your administrator."
    admin_hint = "Generate a new SP signing key pair and give the new certificate to the IdP."


class RedirectMessageUnreadable(SAMLError):
    """A SAMLRequest or SAMLResponse query value is not base64 of a DEFLATE stream."""

    code = "saml.redirect_message_unreadable"
