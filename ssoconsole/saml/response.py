"""Strict validation of a SAML 2.0 Web SSO Response (SAML Profiles 4.1.4).

:func:`validate_response` takes the base64 ``SAMLResponse`` form value and
returns an :class:`~ssoconsole.saml.assertion.Assertion` or raises one
exception class per reason. Each rule below is a small function whose
docstring cites the clause it enforces. After the signature check, every
value is read from the element that :func:`verify_signed_element` returned,
never from the posted tree: an attacker can add to the posted tree, but not
to the signed bytes.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from lxml import etree

from . import errors as e
from .assertion import Assertion
from .config import Expected, IdentityProvider, ServiceProvider, ValidationPolicy
from .encryption import decrypt_assertion
from .xml import NS, parse_untrusted
from .xmldsig import SignatureMissing, has_signature, verify_signature

SAMLP = NS["samlp"]
SAML = NS["saml"]
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
# Characters of a StatusMessage kept in the error (docs/security.md, "Bounded fields").
STATUS_MESSAGE_MAX = 1024
STATUS_CODE_MAX = 256
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
ENTITY_FORMAT = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"


def _q(ns: str, name: str) -> str:
    return f"{{{NS[ns]}}}{name}"


RESPONSE, STATUS, STATUS_CODE, STATUS_MESSAGE = (
    _q("samlp", "Response"),
    _q("samlp", "Status"),
    _q("samlp", "StatusCode"),
    _q("samlp", "StatusMessage"),
)
ASSERTION, ENCRYPTED_ASSERTION, ISSUER = (
    _q("saml", "Assertion"),
    _q("saml", "EncryptedAssertion"),
    _q("saml", "Issuer"),
)
SUBJECT, NAME_ID, SUBJECT_CONFIRMATION, SUBJECT_CONFIRMATION_DATA = (
    _q("saml", "Subject"),
    _q("saml", "NameID"),
    _q("saml", "SubjectConfirmation"),
    _q("saml", "SubjectConfirmationData"),
)
CONDITIONS, AUDIENCE_RESTRICTION, AUDIENCE = (
    _q("saml", "Conditions"),
    _q("saml", "AudienceRestriction"),
    _q("saml", "Audience"),
)
KNOWN_CONDITIONS = {AUDIENCE_RESTRICTION, _q("saml", "OneTimeUse"), _q("saml", "ProxyRestriction")}
AUTHN_STATEMENT, AUTHN_CONTEXT, AUTHN_CONTEXT_CLASS_REF = (
    _q("saml", "AuthnStatement"),
    _q("saml", "AuthnContext"),
    _q("saml", "AuthnContextClassRef"),
)
ATTRIBUTE_STATEMENT, ATTRIBUTE, ATTRIBUTE_VALUE = (
    _q("saml", "AttributeStatement"),
    _q("saml", "Attribute"),
    _q("saml", "AttributeValue"),
)
XSI_NIL = f"{{{NS['xsi']}}}nil"

# xs:dateTime as SAML Core 1.3.3 uses it: UTC, optional fraction.
_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]00:00)?")
_B64_WHITESPACE = b" \t\r\n"


def validate_response(
    saml_response: str | bytes,
    *,
    sp: ServiceProvider,
    idp: IdentityProvider,
    expected: Expected,
    policy: ValidationPolicy = ValidationPolicy(),
    now: datetime,
) -> Assertion:
    """Validate a posted SAMLResponse and return the verified Assertion.

    ``now`` must be timezone-aware; it is a parameter so that tests and
    replays use a fixed clock. Raise a :class:`~ssoconsole.saml.errors.SAMLError`
    subclass for every refusal.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    root = parse_untrusted(
        _decode(saml_response, policy),
        max_bytes=policy.max_response_bytes,
        max_depth=policy.max_xml_depth,
    )
    _check_is_response(root)
    _check_status(root)
    response, verified_assertion, response_signed, signer = _verified_parts(root, sp, idp, policy)
    encrypted = _child(response, ENCRYPTED_ASSERTION) is not None
    _check_response_issuer(response, idp, response_signed or encrypted)
    _check_destination(response, sp, response_signed)
    in_response_to = _check_in_response_to(response, expected)
    # Let the posted tree go before the signed assertion is parsed, so that
    # libxml2 holds one document at a time (docs/rules.md#bounded-input).
    del root, response
    assertion = verified_assertion()
    # ... and the canonical bytes before the claims are copied out of the tree.
    del verified_assertion
    result = _read_assertion(assertion, sp, idp, expected, policy, now, in_response_to)
    return replace(result, signing_certificate=signer)


def _child(parent: etree._Element, tag: str) -> etree._Element | None:
    """Return the first child with ``tag`` (faster than ``find``, which goes through ElementPath)."""
    return next(parent.iterchildren(tag), None)


def _decode(value: str | bytes, policy: ValidationPolicy) -> bytes:
    """Cap the size, then decode strict base64 (SAML Bindings 3.5.4, RFC 2045 line breaks allowed).

    The cap is applied to the encoded form, before decoding, so a huge post
    costs neither a decode nor a parse.
    """
    limit = policy.max_response_bytes * 4 // 3 + 4 + policy.max_response_bytes // 19
    if len(value) > limit:
        raise e.ResponseTooLarge(
            expected=f"at most {limit} characters", actual=f"{len(value)} characters"
        )
    try:
        # a2b_base64 takes ASCII-only str directly and raises ValueError otherwise.
        decoded = binascii.a2b_base64(value, strict_mode=True)
    except (binascii.Error, ValueError):
        # Strict mode refuses line breaks, which RFC 2045 allows: retry without them.
        try:
            raw = value.encode("ascii") if isinstance(value, str) else bytes(value)
            decoded = binascii.a2b_base64(raw.translate(None, _B64_WHITESPACE), strict_mode=True)
        except ValueError:  # binascii.Error and UnicodeEncodeError are both ValueErrors
            raise e.ResponseNotBase64() from None
    if not decoded:
        raise e.ResponseNotBase64("The SAMLResponse is empty.")
    return decoded


def _check_is_response(root: etree._Element) -> None:
    """Require a samlp:Response of Version 2.0 with an ID (SAML Core 3.2.2)."""
    if root.tag != RESPONSE:
        raise e.ResponseMalformed(
            "The message is not a SAML 2.0 Response.", expected=RESPONSE, actual=root.tag
        )
    if root.get("Version") != "2.0" or not root.get("ID"):
        raise e.ResponseMalformed(
            "The Response must have Version 2.0 and an ID.",
            expected="2.0",
            actual=root.get("Version"),
        )


def _cut(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters]"


def _check_status(root: etree._Element) -> None:
    """Require a top-level StatusCode of Success (SAML Core 3.2.2.2).

    Read before the signature check so that an identity provider's error
    (often unsigned) reaches the administrator with its second-level code and
    message, such as Entra ID's AADSTSnnnnn.
    """
    status = _child(root, STATUS)
    top = _child(status, STATUS_CODE) if status is not None else None
    value = top.get("Value") if top is not None else None
    if value == SUCCESS:
        return
    second = _child(top, STATUS_CODE) if top is not None else None
    message_el = _child(status, STATUS_MESSAGE) if status is not None else None
    # An unsigned error response is anonymous input: keep enough to read, not all of it.
    value = _cut(value, STATUS_CODE_MAX)
    message = _cut(message_el.text if message_el is not None else None, STATUS_MESSAGE_MAX)
    second_value = _cut(second.get("Value") if second is not None else None, STATUS_CODE_MAX)
    detail = "The identity provider answered with status {}{}{}.".format(
        value,
        f" / {second_value}" if second_value else "",
        f": {message.strip()}" if message else "",
    )
    raise e.StatusNotSuccess(
        detail,
        expected=SUCCESS,
        actual=value,
        second_level_status=second_value,
        status_message=message,
    )


def _verified_parts(
    root: etree._Element, sp: ServiceProvider, idp: IdentityProvider, policy: ValidationPolicy
) -> tuple[etree._Element, Callable[[], etree._Element], bool, bytes]:
    """Verify the signatures; return the response and a getter of the assertion, both from signed bytes.

    Also return whether the Response was signed, and the trusted certificate
    that verified the signature covering the assertion (its own, else the
    Response's): the application learns from it which key the IdP signs with.

    SAML Profiles 4.1.4.2 and 4.1.4.3: the assertion must be signed, by
    itself or by the enclosing Response; ``require_signed_assertion``
    demands its own signature. Only certificates from the metadata count.
    The getter of a signed assertion holds only its canonical bytes, not
    the posted tree, so the caller can drop that tree before calling it.
    """
    certificates = idp.signing_certificates
    original = _single_assertion(root)
    response_signed = has_signature(root)
    signer = b""
    response = root
    if response_signed:
        verified_response = verify_signature(root, certificates, policy=policy)
        response, signer = verified_response.element(), verified_response.certificate
    posted = _single_assertion(response) if response_signed else original
    if posted.tag == ENCRYPTED_ASSERTION:
        posted = decrypt_assertion(posted, sp.encryption_key_pem, max_depth=policy.max_xml_depth)
    elif response_signed and has_signature(original):
        # Verify the assertion's own signature in the posted tree, where its
        # namespace context is the one the IdP signed; the verified Response
        # copy was canonicalized and may have dropped unused declarations.
        posted = original
    if has_signature(posted):
        verified = verify_signature(posted, certificates, policy=policy)
        return response, verified.element, response_signed, verified.certificate
    if not response_signed:
        raise SignatureMissing("Neither the Response nor its Assertion is signed.")
    if policy.require_signed_assertion:
        raise e.AssertionSignatureRequired()
    # Covered by the Response signature: ``response`` is already the verified copy.
    return response, lambda: posted, response_signed, signer


def _single_assertion(response: etree._Element) -> etree._Element:
    """Require exactly one Assertion or EncryptedAssertion in the whole message.

    SAML Profiles 4.1.4.2 allows several assertions; this SP accepts one,
    and refuses any other assertion anywhere in the document (in Advice,
    Extensions or a signature), because wrapping attacks hide one there.
    """
    everywhere = sum(1 for _ in response.iter(ASSERTION, ENCRYPTED_ASSERTION))
    children = list(response.iterchildren(ASSERTION, ENCRYPTED_ASSERTION))
    if everywhere != 1 or len(children) != 1:
        raise e.AssertionCountInvalid(expected=1, actual=everywhere)
    return children[0]


def _check_issuer(element: etree._Element | None, idp: IdentityProvider, what: str) -> None:
    """Require Issuer text equal to the IdP's entityID, Format omitted or entity (SAML Core 2.2.5, 8.3.6)."""
    issuer = element.text.strip() if element is not None and element.text else None
    fmt = element.get("Format") if element is not None else None
    if issuer != idp.entity_id or fmt not in (None, ENTITY_FORMAT):
        raise e.IssuerMismatch(
            f"The {what} Issuer is not the provider's entity ID.",
            expected=idp.entity_id,
            actual=issuer,
        )


def _check_response_issuer(response: etree._Element, idp: IdentityProvider, required: bool) -> None:
    """Require the Response Issuer to be the IdP's entityID (SAML Profiles 4.1.4.2).

    It may be omitted only when the Response is neither signed nor carries an
    encrypted assertion; when present it must match in every case.
    """
    issuer = _child(response, ISSUER)
    if issuer is None and not required:
        return
    _check_issuer(issuer, idp, "Response")


def _check_destination(response: etree._Element, sp: ServiceProvider, signed: bool) -> None:
    """Require Destination to be the ACS URL; mandatory when signed (SAML Bindings 3.5.5.2)."""
    destination = response.get("Destination")
    if destination is None:
        if signed:
            raise e.DestinationMissing(expected=sp.acs_url)
        return
    if destination != sp.acs_url:
        raise e.DestinationMismatch(
            "The Response was sent to another URL.", expected=sp.acs_url, actual=destination
        )


def _check_in_response_to(response: etree._Element, expected: Expected) -> str:
    """Require InResponseTo to be the outstanding request's ID (SAML Profiles 4.1.4.3, SAML Core 3.2.2).

    A Response without it is unsolicited (IdP-initiated, SAML Profiles
    4.1.5), which this SP refuses.
    """
    in_response_to = response.get("InResponseTo")
    if not in_response_to:
        raise e.UnsolicitedResponse(expected=expected.request_id, actual=None)
    if in_response_to != expected.request_id:
        raise e.InResponseToMismatch(expected=expected.request_id, actual=in_response_to)
    return in_response_to


def _read_assertion(
    assertion: etree._Element,
    sp: ServiceProvider,
    idp: IdentityProvider,
    expected: Expected,
    policy: ValidationPolicy,
    now: datetime,
    in_response_to: str,
) -> Assertion:
    """Check the verified assertion's rules and build the typed result."""
    assertion_id = assertion.get("ID")
    if assertion.get("Version") != "2.0" or not assertion_id:
        raise e.ResponseMalformed(
            "The Assertion must have Version 2.0 and an ID (SAML Core 2.3.3)."
        )
    # Each child of interest, found in one pass over the assertion.
    parts: dict[str, etree._Element] = {}
    statements: list[etree._Element] = []
    for child in assertion.iterchildren(ISSUER, SUBJECT, CONDITIONS, AUTHN_STATEMENT):
        if child.tag == AUTHN_STATEMENT:
            statements.append(child)
        elif child.tag in parts:
            raise _repeated(child.tag)
        else:
            parts[child.tag] = child
    _check_issuer(parts.get(ISSUER), idp, "Assertion")
    subject = parts.get(SUBJECT)
    name_id, name_id_format = _name_id(subject)
    conditions_end = _check_conditions(parts.get(CONDITIONS), sp, policy, now)
    confirmation_end = _check_bearer_confirmation(subject, sp, expected, policy, now)
    statement = _authn_statement(statements, policy, now)
    not_on_or_after = min(t for t in (confirmation_end, conditions_end) if t is not None)
    return Assertion(
        name_id=name_id,
        name_id_format=name_id_format,
        issuer=idp.entity_id,
        assertion_id=assertion_id,
        in_response_to=in_response_to,
        not_on_or_after=not_on_or_after,
        replay_cache_until=not_on_or_after + policy.clock_skew,
        attributes=_attributes(assertion),
        **statement,
    )


def _name_id(subject: etree._Element | None) -> tuple[str, str | None]:
    """Read the Subject's NameID as plain text (SAML Core 2.2.3, 2.4.1), untrimmed.

    Comments cannot truncate it: the verified element was parsed from
    canonical bytes, which hold no comments, and the text of every node is
    joined. Child elements are refused because NameID is a string type.
    """
    name_id = _child(subject, NAME_ID) if subject is not None else None
    if name_id is None:
        raise e.NameIDMissing()
    if len(name_id) and any(isinstance(child.tag, str) for child in name_id):
        raise e.NameIDMalformed("The NameID contains elements.")
    # Returned exactly as signed: trimming here once let "support@x<EM SPACE>",
    # a different account at the IdP, match the console user "support@x".
    value = "".join(name_id.itertext()) if len(name_id) else name_id.text or ""
    if not value.strip():
        raise e.NameIDMissing("The NameID is empty.")
    return value, name_id.get("Format")


def _check_bearer_confirmation(
    subject: etree._Element,
    sp: ServiceProvider,
    expected: Expected,
    policy: ValidationPolicy,
    now: datetime,
) -> datetime:
    """Require one bearer SubjectConfirmation that fits (SAML Profiles 4.1.4.2, 4.1.4.3).

    Its SubjectConfirmationData must name the ACS URL as Recipient, carry a
    NotOnOrAfter still in the future (with the clock skew) and the
    outstanding request's ID as InResponseTo. When none fits, report why the
    first one failed.
    """
    bearers = [c for c in subject.iterchildren(SUBJECT_CONFIRMATION) if c.get("Method") == BEARER]
    if not bearers:
        raise e.SubjectConfirmationMissing()
    failures: list[e.SAMLError] = []
    for confirmation in bearers:
        try:
            return _check_confirmation_data(
                _child(confirmation, SUBJECT_CONFIRMATION_DATA), sp, expected, policy, now
            )
        except e.SAMLError as failure:
            failures.append(failure)
    raise failures[0]


def _check_confirmation_data(
    data: etree._Element | None,
    sp: ServiceProvider,
    expected: Expected,
    policy: ValidationPolicy,
    now: datetime,
) -> datetime:
    """Check one bearer SubjectConfirmationData and return its NotOnOrAfter (SAML Core 2.4.1.2)."""
    if data is None:
        raise e.SubjectConfirmationMissing(
            "The bearer SubjectConfirmation has no SubjectConfirmationData."
        )
    recipient = data.get("Recipient")
    if recipient != sp.acs_url:
        raise e.RecipientMismatch(
            "The bearer confirmation names another Recipient.",
            expected=sp.acs_url,
            actual=recipient,
        )
    not_on_or_after = _time(
        data.get("NotOnOrAfter"), "SubjectConfirmationData NotOnOrAfter", required=True
    )
    if now - policy.clock_skew >= not_on_or_after:
        raise _expired(e.SubjectConfirmationExpired, not_on_or_after, now, policy)
    _check_not_before(data.get("NotBefore"), policy, now)
    if data.get("InResponseTo") != expected.request_id:
        raise e.InResponseToMismatch(
            "The bearer confirmation answers another request.",
            expected=expected.request_id,
            actual=data.get("InResponseTo"),
        )
    return not_on_or_after


def _check_conditions(
    conditions: etree._Element | None, sp: ServiceProvider, policy: ValidationPolicy, now: datetime
) -> datetime | None:
    """Check validity period, audience and unknown conditions (SAML Core 2.5.1, Profiles 4.1.4.2).

    NotBefore and NotOnOrAfter allow ``policy.clock_skew`` both ways; every
    AudienceRestriction must list the SP's entity ID (SAML Core 2.5.1.4);
    a condition this SP does not understand makes the assertion
    indeterminate and refused (SAML Core 2.5.1.1).
    """
    if conditions is None:
        raise e.AudienceMismatch(
            "The assertion has no Conditions and so no AudienceRestriction.",
            expected=sp.entity_id,
            actual=[],
        )
    _check_not_before(conditions.get("NotBefore"), policy, now)
    not_on_or_after = _time(conditions.get("NotOnOrAfter"), "Conditions NotOnOrAfter")
    if not_on_or_after is not None and now - policy.clock_skew >= not_on_or_after:
        raise _expired(e.AssertionExpired, not_on_or_after, now, policy)
    # One pass over the conditions: each child element is visited once.
    unknown: list[str] = []
    restrictions: list[list[str]] = []
    for condition in conditions.iterchildren(etree.Element):
        tag = condition.tag
        if tag == AUDIENCE_RESTRICTION:
            restrictions.append([(a.text or "").strip() for a in condition.iterchildren(AUDIENCE)])
        elif tag not in KNOWN_CONDITIONS:
            unknown.append(tag)
    if unknown:
        raise e.ConditionUnsupported(actual=unknown)
    if not restrictions or any(sp.entity_id not in audiences for audiences in restrictions):
        raise e.AudienceMismatch(
            "The assertion is not meant for this service provider. In Entra, Basic SAML "
            f"Configuration > Identifier (Entity ID) must be {sp.entity_id}.",
            expected=sp.entity_id,
            actual=[a for r in restrictions for a in r],
        )
    return not_on_or_after


def _check_not_before(value: str | None, policy: ValidationPolicy, now: datetime) -> None:
    """Refuse a NotBefore later than now plus the skew, naming the IdP's clock lead (SAML Core 2.5.1.2)."""
    not_before = _time(value, "NotBefore")
    if not_before is not None and not_before > now + policy.clock_skew:
        ahead = (not_before - now).total_seconds()
        raise e.AssertionNotYetValid(
            f"The assertion is not valid yet: the identity provider's clock is {ahead:.0f} s ahead "
            f"of the console's (allowed clock skew: {policy.clock_skew.total_seconds():.0f} s).",
            expected=f"NotBefore <= {(now + policy.clock_skew).isoformat()}",
            actual=value,
            clock_difference_seconds=round(ahead),
        )


def _expired(
    cls: Callable[..., e.SAMLError], end: datetime, now: datetime, policy: ValidationPolicy
) -> e.SAMLError:
    """Build an expiry error that says how many seconds late the answer is."""
    behind = (now - end).total_seconds()
    return cls(
        f"It expired {behind:.0f} s ago: the identity provider's clock is at least {behind:.0f} s "
        f"behind the console's, or the answer was delayed or replayed "
        f"(allowed clock skew: {policy.clock_skew.total_seconds():.0f} s).",
        expected=f"NotOnOrAfter > {(now - policy.clock_skew).isoformat()}",
        actual=end.isoformat(),
        clock_difference_seconds=round(behind),
    )


def _repeated(tag: str) -> e.SAMLError:
    """Refuse a second Issuer, Subject or Conditions: the schema allows one (SAML Core 2.3.3).

    Reading only the first copy of a repeated element would let a signed but
    ambiguous assertion carry rules that are never checked.
    """
    name = etree.QName(tag).localname
    return e.ResponseMalformed(
        f"The Assertion has more than one {name} element; SAML Core 2.3.3 allows at most one.",
        expected=f"one {name}",
        actual=f"several {name}",
    )


def _authn_statement(
    statements: list[etree._Element], policy: ValidationPolicy, now: datetime
) -> dict:
    """Read the assertion's AuthnStatements (SAML Profiles 4.1.4.2, SAML Core 2.7.2).

    The session ends at the earliest SessionNotOnOrAfter of all statements,
    since each one limits the session it describes; one already in the past
    means the IdP session ended. The first statement supplies the instant,
    session index and context.
    """
    if not statements:
        raise e.AuthnStatementMissing()
    statement = statements[0]
    ends = [
        end
        for end in (_time(s.get("SessionNotOnOrAfter"), "SessionNotOnOrAfter") for s in statements)
        if end is not None
    ]
    session_end = min(ends) if ends else None
    if session_end is not None and now - policy.clock_skew >= session_end:
        raise _expired(e.SessionExpired, session_end, now, policy)
    context = _child(statement, AUTHN_CONTEXT)
    class_ref_el = _child(context, AUTHN_CONTEXT_CLASS_REF) if context is not None else None
    class_ref = class_ref_el.text if class_ref_el is not None else None
    return {
        "authn_instant": _time(statement.get("AuthnInstant"), "AuthnInstant", required=True),
        "session_index": statement.get("SessionIndex"),
        "session_not_on_or_after": session_end,
        "authn_context_class_ref": class_ref.strip() if class_ref else None,
    }


def _attributes(assertion: etree._Element) -> dict[str, tuple[str, ...]]:
    """Collect every attribute value by Name (SAML Core 2.7.3.1).

    Values are the joined text of the value (comments excluded; nested
    elements contribute their text). An attribute appears once it has an
    AttributeValue element; ``xsi:nil`` values add no value to it.
    """
    result: dict[str, list[str]] = {}
    for value in _ATTRIBUTE_VALUES(assertion):
        values = result.setdefault(value.getparent().get("Name"), [])
        if value.get(XSI_NIL) not in ("true", "1"):
            values.append("".join(value.itertext()) if len(value) else value.text or "")
    return {name: tuple(values) for name, values in result.items()}


# One compiled path instead of three nested loops: the attribute statement is
# the largest part of an Entra assertion.
_ATTRIBUTE_VALUES = etree.XPath(
    "s:AttributeStatement/s:Attribute[@Name != '']/s:AttributeValue", namespaces={"s": SAML}
)


def _time(value: str | None, what: str, *, required: bool = False) -> datetime | None:
    """Parse an xs:dateTime in UTC (SAML Core 1.3.3)."""
    if value is None:
        if required:
            raise e.TimeMalformed(f"{what} is missing.")
        return None
    if not _DATETIME.fullmatch(value):
        raise e.TimeMalformed(f"{what} is not an xs:dateTime in UTC.", actual=value)
    try:
        # Python 3.11's fromisoformat reads "Z" itself; the pattern above has fixed the shape.
        parsed = datetime.fromisoformat(value)
    except ValueError:  # well-shaped but impossible, such as month 13
        raise e.TimeMalformed(f"{what} is not a valid date and time.", actual=value) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
