"""Build Entra-shaped SAML Responses.

The shape follows what Entra ID sends for a gallery app with default claims:
the assertion in the default namespace, NameID = UPN in emailAddress format,
a bearer SubjectConfirmation with Recipient and InResponseTo, Conditions whose
NotBefore equals the issue instant (Entra allows no clock skew, so neither do
we: SPs must bring their own allowance), an audience of the app's Identifier,
the default claims without NameFormat, and an AuthnStatement. Time and IDs
are parameters so that tests can pin them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from ssoconsole.devidp import signing
from ssoconsole.devidp.authn_request import (
    AC_PASSWORD,
    NAMEID_EMAIL,
    NAMEID_TRANSIENT,
    NAMEID_UNSPECIFIED,
    SAML,
    SAMLP,
)

SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
PASSWORD_AMR = "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password"

CLAIM_TENANT_ID = "http://schemas.microsoft.com/identity/claims/tenantid"
CLAIM_OBJECT_ID = "http://schemas.microsoft.com/identity/claims/objectidentifier"
CLAIM_DISPLAY_NAME = "http://schemas.microsoft.com/identity/claims/displayname"
CLAIM_IDENTITY_PROVIDER = "http://schemas.microsoft.com/identity/claims/identityprovider"
CLAIM_AMR = "http://schemas.microsoft.com/claims/authnmethodsreferences"
CLAIM_EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
CLAIM_GIVEN_NAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"
CLAIM_SURNAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"
CLAIM_NAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"

SUBJECT_CONFIRMATION_LIFETIME = dt.timedelta(minutes=5)
ASSERTION_LIFETIME = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Subject:
    """The signed-in user's values that go into the assertion."""

    upn: str
    object_id: str
    display_name: str
    given_name: str
    surname: str
    mail: str


@dataclass(frozen=True)
class ResponseParams:
    """Everything a Response depends on besides time and IDs."""

    idp_entity_id: str
    tenant_id: str
    acs_url: str
    audience: str
    in_response_to: str
    subject: Subject
    name_id_format: str | None
    authn_instant: dt.datetime
    session_index: str
    session_not_on_or_after: dt.datetime
    authn_class_ref: str = AC_PASSWORD


def saml_time(value: dt.datetime) -> str:
    """Format a UTC instant as Entra does: milliseconds and a ``Z`` (SAML Core 1.3.3)."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def new_saml_id() -> str:
    """Return an Entra-style ID: an underscore (IDs are xs:ID, so no leading digit) and a GUID."""
    return f"_{uuid.uuid4()}"


def _sub(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def build_response(
    params: ResponseParams, *, now: dt.datetime, new_id: Callable[[], str] = new_saml_id
) -> etree._Element:
    """Return the unsigned ``samlp:Response`` with one assertion about ``params.subject``."""
    a = f"{{{SAML}}}"
    issued = saml_time(now)
    response = etree.Element(
        f"{{{SAMLP}}}Response",
        {
            "ID": new_id(),
            "Version": "2.0",
            "IssueInstant": issued,
            "Destination": params.acs_url,
            "InResponseTo": params.in_response_to,
        },
        nsmap={"samlp": SAMLP},
    )
    etree.SubElement(response, f"{a}Issuer", nsmap={None: SAML}).text = params.idp_entity_id
    status = _sub(response, f"{{{SAMLP}}}Status")
    _sub(status, f"{{{SAMLP}}}StatusCode", Value=SUCCESS)

    assertion = etree.SubElement(
        response,
        f"{a}Assertion",
        {"ID": new_id(), "IssueInstant": issued, "Version": "2.0"},
        nsmap={None: SAML},
    )
    _sub(assertion, f"{a}Issuer", params.idp_entity_id)
    subject = _sub(assertion, f"{a}Subject")
    # Entra answers "unspecified" (or no NameIDPolicy) with the app's configured
    # format, emailAddress by default, and honours the other formats it supports.
    name_id_format = params.name_id_format
    if name_id_format in (None, NAMEID_UNSPECIFIED):
        name_id_format = NAMEID_EMAIL
    if name_id_format == NAMEID_TRANSIENT:
        # A transient identifier is opaque and new for each session (SAML Core 8.3.8).
        _sub(
            subject,
            f"{a}NameID",
            f"_{uuid.uuid5(uuid.NAMESPACE_OID, params.session_index)}",
            Format=NAMEID_TRANSIENT,
        )
    else:
        _sub(subject, f"{a}NameID", params.subject.upn, Format=name_id_format)
    confirmation = _sub(subject, f"{a}SubjectConfirmation", Method=BEARER)
    _sub(
        confirmation,
        f"{a}SubjectConfirmationData",
        InResponseTo=params.in_response_to,
        NotOnOrAfter=saml_time(now + SUBJECT_CONFIRMATION_LIFETIME),
        Recipient=params.acs_url,
    )
    conditions = _sub(
        assertion,
        f"{a}Conditions",
        NotBefore=issued,
        NotOnOrAfter=saml_time(now + ASSERTION_LIFETIME),
    )
    restriction = _sub(conditions, f"{a}AudienceRestriction")
    _sub(restriction, f"{a}Audience", params.audience)
    _attribute_statement(assertion, params)
    authn = _sub(
        assertion,
        f"{a}AuthnStatement",
        AuthnInstant=saml_time(params.authn_instant),
        SessionIndex=params.session_index,
        SessionNotOnOrAfter=saml_time(params.session_not_on_or_after),
    )
    context = _sub(authn, f"{a}AuthnContext")
    _sub(context, f"{a}AuthnContextClassRef", params.authn_class_ref)
    return response


def _attribute_statement(assertion, params: ResponseParams) -> None:
    a = f"{{{SAML}}}"
    user = params.subject
    claims = [
        (CLAIM_TENANT_ID, params.tenant_id),
        (CLAIM_OBJECT_ID, user.object_id),
        (CLAIM_DISPLAY_NAME, user.display_name),
        (CLAIM_IDENTITY_PROVIDER, params.idp_entity_id),
        (CLAIM_AMR, PASSWORD_AMR),
        (CLAIM_EMAIL, user.mail),
        (CLAIM_GIVEN_NAME, user.given_name),
        (CLAIM_SURNAME, user.surname),
        (CLAIM_NAME, user.upn),
    ]
    statement = _sub(assertion, f"{a}AttributeStatement")
    for name, value in claims:
        if not value:
            continue  # Entra leaves out a claim whose source attribute is empty.
        attribute = _sub(statement, f"{a}Attribute", Name=name)
        _sub(attribute, f"{a}AttributeValue", value)


def sign_response(
    response: etree._Element, *, option: str, key_pem: str, cert_pem: str, algorithm: str
) -> bytes:
    """Return the serialized response signed as the app's Signing Option says.

    ``assertion`` signs the assertion only (Entra's default), ``response`` the
    response only, ``both`` the assertion first and then the response around it.
    """
    assertion = response.find(f"{{{SAML}}}Assertion")
    if option in ("assertion", "both"):
        signed_assertion = signing.sign(
            assertion, key_pem=key_pem, cert_pem=cert_pem, algorithm=algorithm
        )
        response.replace(assertion, signed_assertion)
    if option in ("response", "both"):
        response = signing.sign(response, key_pem=key_pem, cert_pem=cert_pem, algorithm=algorithm)
    return etree.tostring(response, encoding="utf-8", xml_declaration=False)
