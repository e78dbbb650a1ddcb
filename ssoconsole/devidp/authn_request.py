"""Read an AuthnRequest the way Entra ID does.

Entra reads ID, Version, Issuer, AssertionConsumerServiceURL, ForceAuthn,
IsPassive, NameIDPolicy and RequestedAuthnContext; it ignores Destination,
Consent, ProviderName and Conditions; it refuses a Subject element, a
NameIDPolicy format it does not issue, and any RequestedAuthnContext
comparison but ``exact``. Request signatures are checked apart from parsing,
and only for apps that require them (``request_signature``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ssoconsole.devidp import errors
from ssoconsole.devidp.xml import UnsafeXml, parse_untrusted

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
POST_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"

NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
NAMEID_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
NAMEID_TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
SUPPORTED_NAMEID_FORMATS = (NAMEID_EMAIL, NAMEID_UNSPECIFIED, NAMEID_PERSISTENT, NAMEID_TRANSIENT)

AC_PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
AC_PPT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
AC_UNSPECIFIED = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified"
# What a user name and password at this IdP satisfies.
SATISFIABLE_CLASSES = (AC_PASSWORD, AC_PPT, AC_UNSPECIFIED)


@dataclass(frozen=True)
class AuthnRequest:
    """The parts of an AuthnRequest that decide the response."""

    id: str
    issuer: str
    acs_url: str | None
    force_authn: bool
    is_passive: bool
    name_id_format: str | None
    requested_class_refs: tuple[str, ...]


def _bool(value: str | None, name: str) -> bool:
    # xs:boolean (XML Schema Part 2, 3.2.2)
    if value is None or value in ("false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise errors.InvalidRequest(
        f"The attribute {name} has the value '{value}', which is not an xs:boolean."
    )


def parse_authn_request(xml: bytes) -> AuthnRequest:
    """Return the request in ``xml``, or raise the AADSTS error Entra would show."""
    try:
        root = parse_untrusted(xml)
    except UnsafeXml as exc:
        raise errors.InvalidRequest(
            f"Invalid request: the SAML message is not acceptable XML. {exc}"
        ) from None
    if root.tag != f"{{{SAMLP}}}AuthnRequest":
        raise errors.InvalidRequest(
            f"Invalid request: the SAML message is {root.tag!s}, not an AuthnRequest of the SAML 2.0 protocol."
        )
    if root.get("Version") != "2.0":
        raise errors.InvalidRequest(
            "Invalid request: the AuthnRequest's Version must be 2.0 (SAML Core 3.2.1)."
        )
    request_id = root.get("ID") or ""
    if not request_id or len(request_id) > 256:
        raise errors.InvalidRequest(
            "Invalid request: the AuthnRequest has no ID attribute (SAML Core 3.2.1)."
        )
    if not root.get("IssueInstant"):
        raise errors.InvalidRequest(
            "Invalid request: the AuthnRequest has no IssueInstant (SAML Core 3.2.1)."
        )
    issuers = root.findall(f"{{{SAML}}}Issuer")
    issuer = (issuers[0].text or "").strip() if len(issuers) == 1 else ""
    if not issuer:
        raise errors.InvalidRequest(
            "Invalid request: the AuthnRequest must have exactly one Issuer naming the application."
        )
    if root.find(f"{{{SAML}}}Subject") is not None:
        raise errors.UnsupportedSubjectOrNameIdPolicy(
            "The SAML request contains a Subject element, which is not supported: the identity provider chooses the user."
        )
    binding = root.get("ProtocolBinding")
    if binding is not None and binding != POST_BINDING:
        raise errors.InvalidRequest(
            f"Invalid request: the ProtocolBinding '{binding}' is not supported; responses are sent by HTTP-POST only."
        )
    return AuthnRequest(
        id=request_id,
        issuer=issuer,
        acs_url=root.get("AssertionConsumerServiceURL") or None,
        force_authn=_bool(root.get("ForceAuthn"), "ForceAuthn"),
        is_passive=_bool(root.get("IsPassive"), "IsPassive"),
        name_id_format=_name_id_format(root),
        requested_class_refs=_requested_class_refs(root),
    )


def _name_id_format(root) -> str | None:
    policy = root.find(f"{{{SAMLP}}}NameIDPolicy")
    if policy is None or not policy.get("Format"):
        return None
    requested = policy.get("Format")
    if requested not in SUPPORTED_NAMEID_FORMATS:
        raise errors.UnsupportedSubjectOrNameIdPolicy(
            f"The requested NameIDPolicy format '{requested}' is not supported. "
            "Use persistent, emailAddress, unspecified or transient, or leave NameIDPolicy out."
        )
    return requested


def _requested_class_refs(root) -> tuple[str, ...]:
    context = root.find(f"{{{SAMLP}}}RequestedAuthnContext")
    if context is None:
        return ()
    comparison = context.get("Comparison", "exact")
    if comparison != "exact":
        raise errors.AuthnContextMismatch(
            f"The RequestedAuthnContext comparison '{comparison}' is not supported; only 'exact' is. "
            "Change the service provider's authentication context comparison to EXACT, or send no RequestedAuthnContext."
        )
    refs = tuple(
        (el.text or "").strip() for el in context.findall(f"{{{SAML}}}AuthnContextClassRef")
    )
    if refs and not any(ref in SATISFIABLE_CLASSES for ref in refs):
        raise errors.AuthnContextMismatch(
            f"The user signed in with a password ('{AC_PASSWORD}'), which doesn't match the requested "
            f"authentication method ({', '.join(refs)})."
        )
    return refs
