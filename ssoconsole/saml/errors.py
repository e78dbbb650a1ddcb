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


class SAMLError(Exception):
    """Base class of every refusal raised by ``ssoconsole.saml``.

    ``expected`` and ``actual`` carry the values an administrator compares;
    ``context`` carries any further named values (for example the clock
    difference in seconds). None of them may hold key material.
    """

    code: ClassVar[str] = "saml.error"
    user_message: ClassVar[str] = (
        "Single sign-on failed. Start again from the login page; if it keeps "
        "failing, tell your administrator."
    )
    admin_hint: ClassVar[str] = "See the troubleshooting guide for this error code."

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
        parts = [self.detail or self.__class__.__doc__.strip().splitlines()[0]]
        if self.expected is not None or self.actual is not None:
            parts.append(f"Expected: {self.expected!r}; received: {self.actual!r}.")
        if self.admin_hint:
            parts.append(self.admin_hint)
        return " ".join(p.rstrip() for p in parts if p)

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


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return str(value)


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
    user_message = "The sign-in took too long or the answer was replayed. Start again from the login page."
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
    user_message = "Your identity provider is configured for another application. Tell your administrator."
    admin_hint = "The identity provider must use the console's entity ID as the audience."


class ConditionUnsupported(SAMLError):
    """The Assertion carries a condition this console cannot evaluate (SAML Core 2.5.1)."""

    code = "saml.condition_unsupported"
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
    user_message = "The sign-in message could not be read. Start again from the login page."
    admin_hint = "Time values must be xs:dateTime in UTC."
