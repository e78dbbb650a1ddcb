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

from typing import ClassVar

from ssoconsole.core.errors import Refusal, describe_value  # noqa: F401 - describe_value re-exported


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


# --- Raised by ssoconsole.saml.xml ---------------------------------------------------------


class XMLTooLarge(SAMLError):
    """The document is larger than the configured limit."""

    code = "saml.xml_too_large"
    user_message = "The sign-in message was too large to process. Start again from the login page."
    admin_hint = "The identity provider sent more data than is accepted; check for very large attribute values or group lists."


class XMLMalformed(SAMLError):
    """The data is not well-formed XML."""

    code = "saml.xml_malformed"
    user_message = "The sign-in message could not be read. Start again from the login page."
    admin_hint = "The identity provider sent data that is not XML."


class XMLForbiddenConstruct(SAMLError):
    """The document uses a DTD, an entity or another construct that is never accepted."""

    code = "saml.xml_forbidden"
    user_message = "The sign-in message was refused for security reasons."
    admin_hint = (
        "Document type declarations and entities are refused in SAML messages and metadata."
    )


class XMLTooDeep(SAMLError):
    """The document nests elements deeper than any SAML message needs."""

    code = "saml.xml_too_deep"
    user_message = "The sign-in message was refused for security reasons."
    admin_hint = "The element nesting exceeds the configured limit."


# --- Raised by ssoconsole.saml.xmldsig -----------------------------------------------------

SHA1_HINT = (
    "The identity provider signs with SHA-1, which is refused. In Entra ID, open the "
    "application's Single sign-on page, edit 'SAML Signing Certificate' and set "
    "'Signing Algorithm' to SHA-256; other providers have the same setting in their "
    "application's signing options."
)


class SignatureMissing(SAMLError):
    """The element that must be signed carries no signature."""

    code = "saml.signature_missing"
    user_message = "The sign-in message was not signed and was refused. Tell your administrator."
    admin_hint = (
        "Assertions must be signed. In Entra ID, 'SAML Signing Certificate' > 'Signing Option' "
        "must sign the assertion (the default) or the response and the assertion."
    )


class SignatureMalformed(SAMLError):
    """The signature element does not have the structure XML-DSig prescribes."""

    code = "saml.signature_malformed"
    expected_in_words = "SignedInfo, then SignatureValue, then at most one KeyInfo (XML-DSig 4.1)"
    user_message = "The sign-in message has a damaged signature and was refused."
    admin_hint = "The signature is not a single well-formed XML-DSig Signature; the message may have been altered."


class SignatureReferenceInvalid(SAMLError):
    """The signature does not reference exactly the element it is attached to."""

    code = "saml.signature_reference_invalid"
    user_message = "The sign-in message was refused for security reasons."
    admin_hint = (
        "A signature must have one Reference whose URI is '#' plus the signed element's ID."
    )


class DuplicateID(SAMLError):
    """The signed element's ID occurs more than once in the document."""

    code = "saml.duplicate_id"
    user_message = "The sign-in message was refused for security reasons."
    admin_hint = "Two elements share the signed ID; this is a signature-wrapping pattern, not something an identity provider sends."


class SignatureTransformForbidden(SAMLError):
    """The signature uses a transform other than enveloped-signature and exclusive C14N."""

    code = "saml.signature_transform_forbidden"
    user_message = "The sign-in message was refused for security reasons."
    admin_hint = "Only the enveloped-signature and exclusive canonicalization transforms (SAML Core 5.4.4) are accepted."


class SignatureAlgorithmForbidden(SAMLError):
    """The signature names a canonicalization, digest or signature algorithm that is not accepted."""

    code = "saml.signature_algorithm_forbidden"
    user_message = (
        "The sign-in message was signed in a way that is not accepted. Tell your administrator."
    )
    admin_hint = "Accepted: exclusive C14N, RSA or ECDSA with SHA-256, SHA-384 or SHA-512."


class SHA1Refused(SAMLError):
    """The signature or its digest uses SHA-1, which is refused by default."""

    code = "saml.sha1_refused"
    expected_in_words = (
        "RSA or ECDSA with SHA-256, SHA-384 or SHA-512 (Entra ID: Signing Algorithm SHA-256)"
    )
    user_message = (
        "The sign-in message was signed with an outdated algorithm. Tell your administrator."
    )
    admin_hint = SHA1_HINT


class DigestMismatch(SAMLError):
    """The signed content changed after it was signed."""

    code = "saml.digest_mismatch"
    user_message = "The sign-in message was altered after it was signed and was refused."
    admin_hint = "The digest of the signed element does not match; something between the identity provider and the console changed it."


class SignatureInvalid(SAMLError):
    """The signature value does not verify with any certificate from the provider's metadata."""

    code = "saml.signature_invalid"
    user_message = "The sign-in message's signature is not valid. Tell your administrator."
    admin_hint = (
        "Compare the identity provider's active signing certificate (Entra ID: SAML Certificates "
        "> Thumbprint) with the provider's certificates in the console. If it is missing there, a "
        "provider added by URL picks it up at its next refresh; for an uploaded file, upload the "
        "current metadata. If it is there, the message was changed after it was signed."
    )


class SignatureUntrustedKey(SAMLError):
    """The message was signed with a certificate that is not in the provider's metadata.

    ``actual`` is the SHA-1 thumbprint of the certificate in the message's
    KeyInfo (what Entra ID shows as "Thumbprint"), ``expected`` those of the
    trusted ones; the context adds the signer's SHA-256 fingerprint and
    subject, so the application can tell a rollover from a stranger's key.
    """

    code = "saml.signature_untrusted_key"
    user_message = (
        "The sign-in message was signed by an unknown certificate. Tell your administrator."
    )
    admin_hint = (
        "Compare the thumbprint with the identity provider's signing certificates (Entra ID: "
        "SAML Signing Certificate > Thumbprint). If it is a new certificate there, the console "
        "trusts it once the provider's metadata lists it."
    )

    @property
    def signer_sha256(self) -> str | None:
        """The SHA-256 fingerprint of the certificate the message carried, if any."""
        return self.context.get("signer_sha256")


# --- Raised by ssoconsole.saml.encryption --------------------------------------------------


class EncryptionKeyMissing(SAMLError):
    """An EncryptedAssertion arrived but no SP decryption key is configured."""

    code = "saml.encryption_key_missing"
    user_message = "The sign-in message could not be decrypted. Tell your administrator."
    admin_hint = (
        "The identity provider encrypts assertions but the console has no decryption key for "
        "it. Either turn off token encryption at the provider (Entra ID: Token encryption) or "
        "upload the console's encryption certificate there."
    )


class EncryptionAlgorithmUnsupported(SAMLError):
    """The EncryptedAssertion uses an algorithm that is not accepted."""

    code = "saml.encryption_algorithm_unsupported"
    expected_in_words = (
        "RSA-OAEP with a SHA-1, SHA-256, SHA-384 or SHA-512 digest and MGF1 with one of those"
    )
    user_message = (
        "The sign-in message was encrypted in a way that is not accepted. Tell your administrator."
    )
    admin_hint = "Accepted: RSA-OAEP key transport with AES-GCM or AES-CBC content encryption."


class EncryptedAssertionMalformed(SAMLError):
    """The EncryptedAssertion does not have the structure XML Encryption prescribes."""

    code = "saml.encrypted_assertion_malformed"
    user_message = "The sign-in message could not be read. Start again from the login page."
    admin_hint = "The EncryptedAssertion lacks EncryptedData, an EncryptedKey or a CipherValue."


class DecryptionFailed(SAMLError):
    """The EncryptedAssertion could not be decrypted with the SP's key."""

    code = "saml.decryption_failed"
    user_message = "The sign-in message could not be decrypted. Tell your administrator."
    admin_hint = (
        "The assertion was encrypted for another key: the certificate active at the identity "
        "provider (Entra ID: Token encryption) must be one of the console's encryption "
        "certificates (Identity Management > Service provider keys: the current one, or the next "
        "one while a rotation is prepared). A retired key no longer decrypts."
    )
