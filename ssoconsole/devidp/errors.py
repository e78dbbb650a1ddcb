"""Entra's refusals, one class per AADSTS number.

The SSO endpoint raises these and ``views.errors`` renders every one of them
in the same place, on a page shaped like Entra's "Sorry, but we're having
trouble signing you in". The numbers are Entra's, so that an administrator who
learns to fix them here knows what they mean in the real Entra ID. The
messages follow Entra's wording closely, with the values that differed.
"""

from __future__ import annotations


class AadstsError(Exception):
    """A sign-in refusal with Entra's error number."""

    code = "AADSTS90000"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidRequest(AadstsError):
    """The request is not a well-formed SAML AuthnRequest (or not SAML at all)."""

    code = "AADSTS75005"


class ApplicationNotFound(AadstsError):
    """No enterprise application of the directory has the request's Issuer as its Identifier."""

    code = "AADSTS700016"
    status = 404


class ReplyUrlMismatch(AadstsError):
    """The request's AssertionConsumerServiceURL is not one of the app's Reply URLs."""

    code = "AADSTS50011"


class UserNotAssigned(AadstsError):
    """The app requires assignment and the signed-in user is not assigned."""

    code = "AADSTS50105"
    status = 403


class ApplicationDisabled(AadstsError):
    """The app's "Enabled for users to sign in?" is No."""

    code = "AADSTS7000112"
    status = 403


class UnsupportedSubjectOrNameIdPolicy(AadstsError):
    """The request carries a Subject, or asks for a NameID format Entra does not issue."""

    code = "AADSTS75016"


class AuthnContextMismatch(AadstsError):
    """RequestedAuthnContext uses a comparison other than ``exact``, or a class the IdP cannot satisfy."""

    code = "AADSTS75011"


class RequestNotSigned(AadstsError):
    """The app requires signed requests and this one carries no signature."""

    code = "AADSTS76021"


class AccountDisabled(AadstsError):
    """The user's "Account enabled" is No."""

    code = "AADSTS50057"
    status = 403


class InteractionRequired(AadstsError):
    """IsPassive was requested and no one is signed in to the IdP."""

    code = "AADSTS50058"
