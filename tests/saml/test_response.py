"""Response validation rules, one behaviour per test, against a fixed clock."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import timedelta

import pytest
import signing as s
from lxml import etree

from ssoconsole.saml import errors
from ssoconsole.saml import response as response_module
from ssoconsole.saml.config import ValidationPolicy
from ssoconsole.saml.response import validate_response
from ssoconsole.saml.xmldsig import SignatureMissing

SAML = s.SAML
SAMLP = s.SAMLP


def validate(
    value, *, now=s.NOW, policy=ValidationPolicy(), sp=s.SP, request_id=s.REQUEST_ID, idp=None
):
    """Validate with the fixed configuration of ``signing``."""
    if not isinstance(value, (str, bytes)) or value.lstrip()[:1] in (b"<", "<"):
        value = s.encode(value)
    return validate_response(
        value,
        sp=sp,
        idp=idp or s.idp_config(),
        expected=s.expected(request_id),
        policy=policy,
        now=now,
    )


def response(**options) -> bytes:
    return s.build_response(**options)


def resign_assertion(root, mutate):
    """Change the assertion of ``root`` with ``mutate`` and sign it again with the IdP key."""
    assertion = root.find(f"{{{SAML}}}Assertion")
    signature = assertion.find(f"{{{s.DS}}}Signature")
    if signature is not None:
        assertion.remove(signature)
    mutate(assertion)
    s.sign_element(assertion, s.keypair())
    return etree.tostring(root)


# --- the accepted shape -----------------------------------------------------------


def test_entra_shaped_response_yields_every_field_of_the_assertion():
    """Entra's default (assertion signed, SHA-256) returns the typed Assertion."""
    result = validate(response())
    assert result.name_id == "alice@example.com"
    assert result.name_id_format == "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    assert result.issuer == s.IDP_ENTITY_ID
    assert result.assertion_id == s.ASSERTION_ID
    assert result.in_response_to == s.REQUEST_ID
    assert result.session_index == s.SESSION_INDEX
    assert result.authn_instant == s.NOW - timedelta(seconds=2)
    assert result.not_on_or_after == s.NOW + timedelta(hours=1)
    assert result.replay_cache_until == s.NOW + timedelta(hours=1, seconds=180)
    assert result.authn_context_class_ref == "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
    assert result.attributes == s.DEFAULT_ATTRIBUTES
    assert result.first(s.ENTRA_CLAIMS + "givenname") == "Alice"


def test_assertion_is_immutable():
    """The result is frozen, attributes included, so no layer can rewrite a claim."""
    result = validate(response())
    with pytest.raises(AttributeError):
        result.name_id = "mallory"
    with pytest.raises(TypeError):
        result.attributes["x"] = ("y",)


@pytest.mark.parametrize("sign", ["response", "both"])
def test_signature_on_the_response_covers_the_assertion(sign):
    """Entra's "sign response" and "sign both" options are accepted (SAML Profiles 4.1.4.2)."""
    assert validate(response(sign=sign)).name_id == "alice@example.com"


@pytest.mark.parametrize("sign", ["assertion", "response", "both"])
def test_the_result_names_the_metadata_certificate_that_verified_the_signature(sign):
    """During a rollover the metadata lists two keys; the result says which one the IdP used.

    The application learns from it which certificate the provider actually
    signs with (its expiry is the one that matters), and it is one of the
    trusted certificates, never one copied from KeyInfo.
    """
    old, new = s.keypair(), s.keypair("rolled-over")
    idp = replace(s.idp_config(old, new))
    result = validate(response(sign=sign, key=new), idp=idp)
    assert result.signing_certificate == new.cert_der
    assert validate(response(sign=sign), idp=idp).signing_certificate == old.cert_der


def test_policy_can_demand_the_assertions_own_signature():
    """require_signed_assertion refuses a Response whose assertion is covered only by the Response signature."""
    policy = ValidationPolicy(require_signed_assertion=True)
    with pytest.raises(errors.AssertionSignatureRequired):
        validate(response(sign="response"), policy=policy)
    assert validate(response(sign="both"), policy=policy).name_id == "alice@example.com"


def test_unsigned_response_is_refused():
    """Neither the Response nor the Assertion signed: saml.signature_missing."""
    with pytest.raises(SignatureMissing):
        validate(response(sign=None))


def test_bytes_and_line_wrapped_base64_are_accepted():
    """The form value may be bytes, and base64 may be wrapped at 76 characters (RFC 2045)."""
    encoded = base64.encodebytes(response())
    assert b"\n" in encoded
    assert validate(encoded).name_id == "alice@example.com"


def test_repeated_attribute_names_are_merged_and_nil_values_skipped():
    """All values of a Name are kept in order, across <Attribute> elements; xsi:nil values are not values."""
    root = s.build_response_tree(attributes={"groups": ("a", "b")})

    def add(assertion):
        statement = assertion.find(f"{{{SAML}}}AttributeStatement")
        extra = etree.SubElement(statement, f"{{{SAML}}}Attribute", Name="groups")
        etree.SubElement(extra, f"{{{SAML}}}AttributeValue").text = "c"
        nil = etree.SubElement(extra, f"{{{SAML}}}AttributeValue")
        nil.set("{http://www.w3.org/2001/XMLSchema-instance}nil", "true")

    assert validate(resign_assertion(root, add)).attributes == {"groups": ("a", "b", "c")}


def test_attribute_value_with_child_elements_reads_their_text():
    """A structured value (e.g. a NameID inside eduPersonTargetedID) reads as its joined text."""
    root = s.build_response_tree(attributes={"id": ("",)})

    def nest(assertion):
        value = assertion.find(f".//{{{SAML}}}AttributeValue")
        etree.SubElement(value, f"{{{SAML}}}NameID").text = "abc"

    assert validate(resign_assertion(root, nest)).attributes["id"] == ("abc",)


# --- size, encoding, XML (SAML Bindings 3.5.4) -----------------------------------


def test_oversized_post_is_refused_before_decoding_or_parsing(monkeypatch):
    """A 5 MB SAMLResponse is refused by its length alone: no base64 decode, no XML parse."""
    monkeypatch.setattr(response_module, "parse_untrusted", _must_not_be_called)
    monkeypatch.setattr(response_module.binascii, "a2b_base64", _must_not_be_called)
    with pytest.raises(errors.ResponseTooLarge) as info:
        validate("A" * (5 * 1024 * 1024))
    assert info.value.code == "saml.response_too_large"


def _must_not_be_called(*args, **kwargs):
    raise AssertionError("called")


def test_response_just_under_the_cap_is_accepted():
    """The cap is on the decoded size policy allows, not a guess tighter than it."""
    xml = response()
    policy = ValidationPolicy(max_response_bytes=len(xml))
    assert validate(xml, policy=policy).name_id == "alice@example.com"
    with pytest.raises((errors.ResponseTooLarge, errors.SAMLError)):
        validate(xml, policy=ValidationPolicy(max_response_bytes=len(xml) - 1))


@pytest.mark.parametrize(
    "value",
    ["not base64!", "PHNhbWxwOlJlc3BvbnNl*", "", "ÄÖÜ", "YQ"],
    ids=["text", "star", "empty", "non-ascii", "no-padding"],
)
def test_value_that_is_not_base64_is_refused(value):
    """Strict base64: no foreign characters, correct padding, not empty."""
    with pytest.raises(errors.ResponseNotBase64):
        validate_response(value, sp=s.SP, idp=s.idp_config(), expected=s.expected(), now=s.NOW)


def test_root_that_is_not_a_response_is_refused():
    """A bare Assertion or any other element is not a Response (SAML Core 3.2.2)."""
    assertion = s.build_assertion()
    s.sign_element(assertion, s.keypair())
    with pytest.raises(errors.ResponseMalformed):
        validate(etree.tostring(assertion))


def test_response_of_another_version_is_refused():
    """Version must be 2.0 (SAML Core 3.2.2)."""
    root = s.build_response_tree()
    root.set("Version", "1.1")
    with pytest.raises(errors.ResponseMalformed):
        validate(etree.tostring(root))


def test_naive_clock_is_a_programming_error():
    """now without a time zone is a bug in the caller, not a SAML error."""
    with pytest.raises(ValueError):
        validate(response(), now=s.NOW.replace(tzinfo=None))


# --- Status (SAML Core 3.2.2.2) -----------------------------------------------------


def test_entra_error_status_is_reported_with_its_codes_and_message():
    """A Requester/RequestUnsupported status with AADSTS text reaches the admin message."""
    xml = response(
        sign=None,
        include_assertion=False,
        status="urn:oasis:names:tc:SAML:2.0:status:Requester",
        second_status="urn:oasis:names:tc:SAML:2.0:status:RequestUnsupported",
        status_message="AADSTS75011: Authentication method 'X509' doesn't match requested authentication method 'Password'.",
    )
    with pytest.raises(errors.StatusNotSuccess) as info:
        validate(xml)
    message = info.value.admin_message()
    assert "AADSTS75011" in message and "RequestUnsupported" in message
    assert info.value.as_dict()["second_level_status"].endswith("RequestUnsupported")


def test_missing_status_is_not_success():
    """A Response without Status is not a success."""
    root = s.build_response_tree()
    root.remove(root.find(f"{{{SAMLP}}}Status"))
    with pytest.raises(errors.StatusNotSuccess):
        validate(etree.tostring(root))


# --- Issuer, Destination, InResponseTo --------------------------------------------


def test_response_issuer_must_be_the_providers_entity_id():
    """A Response Issuer other than the metadata's entityID is refused (SAML Profiles 4.1.4.2)."""
    with pytest.raises(errors.IssuerMismatch) as info:
        validate(response(response_issuer="https://sts.windows.net/other/"))
    assert info.value.expected == s.IDP_ENTITY_ID


def test_assertion_issuer_must_be_the_providers_entity_id():
    """A signed assertion from another issuer is refused even with a trusted key."""
    with pytest.raises(errors.IssuerMismatch):
        validate(response(issuer="https://sts.windows.net/other/", response_issuer=s.IDP_ENTITY_ID))


def test_issuer_with_a_non_entity_format_is_refused():
    """The Issuer Format, when present, must be the entity format (SAML Profiles 4.1.4.2)."""
    root = s.build_response_tree()
    root.find(f"{{{SAML}}}Issuer").set(
        "Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    )
    with pytest.raises(errors.IssuerMismatch):
        validate(etree.tostring(root))


def test_unsigned_response_may_omit_its_issuer():
    """Only a signed Response must carry an Issuer; the assertion's own is checked regardless."""
    assert validate(response(response_issuer=None)).issuer == s.IDP_ENTITY_ID


def test_signed_response_without_issuer_is_refused():
    """A signed Response must name its Issuer (SAML Profiles 4.1.4.2)."""
    with pytest.raises(errors.IssuerMismatch):
        validate(response(sign="response", response_issuer=None))


def test_destination_must_be_the_acs_url_and_names_the_reply_url():
    """Destination other than the ACS URL is refused; the hint names Entra's Reply URL."""
    with pytest.raises(errors.DestinationMismatch) as info:
        validate(response(destination="https://evil.example/acs"))
    assert "Reply URL" in info.value.admin_message()
    assert info.value.expected == s.SP.acs_url


def test_unsigned_response_may_omit_destination():
    """Destination is optional when the Response itself is not signed (SAML Bindings 3.5.5.2)."""
    assert validate(response(destination=None)).name_id == "alice@example.com"


def test_signed_response_without_destination_is_refused():
    """A signed Response must carry Destination (SAML Bindings 3.5.5.2)."""
    with pytest.raises(errors.DestinationMissing):
        validate(response(sign="response", destination=None))


def test_response_without_in_response_to_is_unsolicited():
    """IdP-initiated sign-in is refused, and the user is told to start from the login URL."""
    with pytest.raises(errors.UnsolicitedResponse) as info:
        validate(response(in_response_to=None, subject_in_response_to=None))
    assert info.value.code == "saml.unsolicited_response"
    assert "login page" in info.value.user_message and "bookmark" in info.value.user_message


def test_response_to_another_request_is_refused():
    """InResponseTo must be this browser's outstanding request ID (SAML Profiles 4.1.4.3)."""
    with pytest.raises(errors.InResponseToMismatch):
        validate(response(), request_id="_another_request")


def test_response_in_response_to_is_checked_even_when_the_assertion_matches():
    """The Response's own InResponseTo is checked, not only the bearer confirmation's."""
    with pytest.raises(errors.InResponseToMismatch) as info:
        validate(response(in_response_to="_another_request"))
    assert info.value.actual == "_another_request"


def test_assertion_of_another_version_is_refused():
    """The Assertion must have Version 2.0 (SAML Core 2.3.3)."""
    root = s.build_response_tree(sign=None)
    with pytest.raises(errors.ResponseMalformed):
        validate(resign_assertion(root, lambda a: a.set("Version", "1.1")))


# --- Subject and bearer confirmation (SAML Profiles 4.1.4.2) -------------------------


def test_recipient_must_be_the_acs_url_and_names_the_reply_url():
    """A bearer confirmation for another Recipient is refused; the hint names Reply URL."""
    with pytest.raises(errors.RecipientMismatch) as info:
        validate(response(recipient="https://other.example/acs"))
    assert "Reply URL" in info.value.admin_message()


def test_confirmation_in_response_to_must_match():
    """The bearer confirmation's InResponseTo must be the outstanding request too."""
    with pytest.raises(errors.InResponseToMismatch):
        validate(response(subject_in_response_to="_another_request"))


def test_confirmation_without_in_response_to_is_refused():
    """SP-initiated only: the bearer confirmation must name the request."""
    with pytest.raises(errors.InResponseToMismatch):
        validate(response(subject_in_response_to=None))


def test_expired_confirmation_is_refused():
    """The bearer NotOnOrAfter has passed (beyond the skew): saml.subject_confirmation_expired."""
    with pytest.raises(errors.SubjectConfirmationExpired):
        validate(response(subject_not_on_or_after=s.NOW - timedelta(seconds=181)))


def test_confirmation_without_not_on_or_after_is_refused():
    """A bearer confirmation must limit its own lifetime (SAML Profiles 4.1.4.2)."""
    with pytest.raises(errors.TimeMalformed):
        validate(response(subject_not_on_or_after=None))


def test_only_bearer_confirmations_count():
    """A holder-of-key confirmation is not the Web SSO bearer confirmation."""
    root = s.build_response_tree(sign=None)

    def hok(assertion):
        assertion.find(f".//{{{SAML}}}SubjectConfirmation").set(
            "Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"
        )

    with pytest.raises(errors.SubjectConfirmationMissing):
        validate(resign_assertion(root, hok))


def test_any_one_fitting_bearer_confirmation_is_enough():
    """With several bearer confirmations, one that fits is enough (SAML Core 2.4.1.1)."""
    root = s.build_response_tree(sign=None)

    def prepend_wrong(assertion):
        confirmation = assertion.find(f".//{{{SAML}}}SubjectConfirmation")
        wrong = etree.fromstring(etree.tostring(confirmation))
        wrong.find(f"{{{SAML}}}SubjectConfirmationData").set(
            "Recipient", "https://other.example/acs"
        )
        confirmation.addprevious(wrong)

    assert validate(resign_assertion(root, prepend_wrong)).name_id == "alice@example.com"


def test_missing_name_id_is_refused():
    """The Subject must identify the user with a NameID."""
    root = s.build_response_tree(sign=None)
    with pytest.raises(errors.NameIDMissing):
        validate(
            resign_assertion(
                root,
                lambda a: a.find(f".//{{{SAML}}}Subject").remove(a.find(f".//{{{SAML}}}NameID")),
            )
        )


def test_empty_name_id_is_refused():
    """An empty NameID identifies nobody."""
    with pytest.raises(errors.NameIDMissing):
        validate(response(name_id="  "))


def test_name_id_is_returned_exactly_as_signed_never_trimmed():
    """A trailing EM SPACE makes another name: the app's username rule refuses it, the core keeps it."""
    for value in ("alice@example.com\u2003", " alice@example.com", "alice@example.com\n"):
        assert validate(response(name_id=value)).name_id == value


def test_name_id_with_child_elements_is_refused():
    """NameID is a string (SAML Core 2.2.3): elements inside it are refused, not skipped."""
    root = s.build_response_tree(sign=None)

    def nest(assertion):
        name_id = assertion.find(f".//{{{SAML}}}NameID")
        name_id.text = "alice@example.com"
        etree.SubElement(name_id, "{urn:example}b").tail = ".evil.test"

    with pytest.raises(errors.NameIDMalformed):
        validate(resign_assertion(root, nest))


# --- Conditions (SAML Core 2.5.1) ------------------------------------------------


def test_not_before_within_the_clock_skew_is_accepted():
    """An IdP clock 170 s ahead is within the default 180 s skew."""
    assert validate(response(not_before=s.NOW + timedelta(seconds=170))).name_id


def test_not_before_beyond_the_clock_skew_says_how_far_ahead_the_idp_is():
    """An IdP clock 200 s ahead is refused, and the admin message gives the 200 s."""
    with pytest.raises(errors.AssertionNotYetValid) as info:
        validate(response(not_before=s.NOW + timedelta(seconds=200)))
    assert "the identity provider's clock is 200 s ahead" in info.value.admin_message()
    assert info.value.context["clock_difference_seconds"] == 200


def test_skew_is_configurable():
    """A policy with a smaller skew refuses what the default accepts."""
    with pytest.raises(errors.AssertionNotYetValid):
        validate(
            response(not_before=s.NOW + timedelta(seconds=30)),
            policy=ValidationPolicy(clock_skew=timedelta(seconds=10)),
        )


def test_expired_assertion_says_how_far_behind_the_idp_is():
    """Conditions NotOnOrAfter 300 s past is refused with the number of seconds."""
    with pytest.raises(errors.AssertionExpired) as info:
        validate(response(not_on_or_after=s.NOW - timedelta(seconds=300)))
    assert "300 s behind" in info.value.admin_message()


def test_expiry_within_the_clock_skew_is_accepted():
    """NotOnOrAfter 100 s past is still within the 180 s skew."""
    assert validate(response(not_on_or_after=s.NOW - timedelta(seconds=100))).name_id


def test_audience_must_include_the_sp_entity_id_with_the_entra_field():
    """A wrong audience names Entra's Identifier (Entity ID) and the value it must have."""
    with pytest.raises(errors.AudienceMismatch) as info:
        validate(response(audience="https://other.example/app"))
    message = info.value.admin_message()
    assert (
        f"In Entra, Basic SAML Configuration > Identifier (Entity ID) must be {s.SP.entity_id}"
        in message
    )
    assert info.value.actual == ["https://other.example/app"]


def test_audience_among_several_is_accepted():
    """One Audience in a restriction suffices (SAML Core 2.5.1.4)."""
    assert validate(response(audience=["https://other.example/app", s.SP.entity_id])).name_id


def test_every_audience_restriction_must_include_the_sp():
    """Several AudienceRestriction elements must each be satisfied (SAML Core 2.5.1.4)."""
    root = s.build_response_tree(sign=None)

    def second_restriction(assertion):
        conditions = assertion.find(f"{{{SAML}}}Conditions")
        restriction = etree.SubElement(conditions, f"{{{SAML}}}AudienceRestriction")
        etree.SubElement(restriction, f"{{{SAML}}}Audience").text = "https://other.example/app"

    with pytest.raises(errors.AudienceMismatch):
        validate(resign_assertion(root, second_restriction))


def test_assertion_without_audience_restriction_is_refused():
    """Web SSO assertions must be restricted to this SP (SAML Profiles 4.1.4.2)."""
    with pytest.raises(errors.AudienceMismatch):
        validate(response(audience=None))


def test_assertion_without_conditions_is_refused():
    """No Conditions means no AudienceRestriction."""
    root = s.build_response_tree(sign=None)
    with pytest.raises(errors.AudienceMismatch):
        validate(resign_assertion(root, lambda a: a.remove(a.find(f"{{{SAML}}}Conditions"))))


def test_unknown_condition_is_refused_and_one_time_use_accepted():
    """Unknown conditions make an assertion indeterminate (SAML Core 2.5.1.1); OneTimeUse is known."""
    root = s.build_response_tree(sign=None)
    once = resign_assertion(
        root, lambda a: etree.SubElement(a.find(f"{{{SAML}}}Conditions"), f"{{{SAML}}}OneTimeUse")
    )
    assert validate(once).name_id
    root = s.build_response_tree(sign=None)
    unknown = resign_assertion(
        root, lambda a: etree.SubElement(a.find(f"{{{SAML}}}Conditions"), "{urn:example}Custom")
    )
    with pytest.raises(errors.ConditionUnsupported):
        validate(unknown)


def test_malformed_time_is_refused():
    """Times must be xs:dateTime in UTC (SAML Core 1.3.3)."""
    with pytest.raises(errors.TimeMalformed):
        validate(response(not_on_or_after="tomorrow"))


def test_impossible_date_is_refused_not_crashed():
    """A well-shaped but impossible date (month 13) is TimeMalformed, not an unexpected exception."""
    with pytest.raises(errors.TimeMalformed):
        validate(response(not_on_or_after="2026-13-45T12:00:00Z"))


def test_time_with_a_non_utc_offset_is_refused():
    """SAML times carry no time zone other than UTC (SAML Core 1.3.3)."""
    with pytest.raises(errors.TimeMalformed):
        validate(response(not_on_or_after="2026-01-15T14:00:00+02:00"))


# --- AuthnStatement (SAML Core 2.7.2) ---------------------------------------------


def test_session_not_on_or_after_is_returned():
    """SessionNotOnOrAfter bounds the console session (SAML Core 2.7.2)."""
    end = s.NOW + timedelta(hours=8)
    assert validate(response(session_not_on_or_after=end)).session_not_on_or_after == end


def test_session_that_already_ended_is_refused():
    """A SessionNotOnOrAfter in the past means the IdP session is over."""
    with pytest.raises(errors.SessionExpired):
        validate(response(session_not_on_or_after=s.NOW - timedelta(minutes=10)))


def test_assertion_without_authn_statement_is_refused():
    """Web SSO needs an AuthnStatement (SAML Profiles 4.1.4.2)."""
    root = s.build_response_tree(sign=None)
    with pytest.raises(errors.AuthnStatementMissing):
        validate(resign_assertion(root, lambda a: a.remove(a.find(f"{{{SAML}}}AuthnStatement"))))


def test_authn_context_is_optional():
    """Without an AuthnContextClassRef the field is None, not an error."""
    assert validate(response(authn_context_class_ref=None)).authn_context_class_ref is None


def test_errors_carry_code_user_and_admin_sentences():
    """Every refusal serializes for the audit log with its code and both sentences."""
    with pytest.raises(errors.AudienceMismatch) as info:
        validate(response(audience="https://other.example/app"))
    data = info.value.as_dict()
    assert data["code"] == "saml.audience_mismatch"
    assert data["userMessage"] and data["adminMessage"] and data["expected"] == s.SP.entity_id


def test_other_sp_configuration_is_honoured():
    """The SP's entity ID and ACS URL come from the ServiceProvider passed in."""
    other = replace(
        s.SP,
        entity_id="https://console.example.com/other",
        acs_url="https://console.example.com/sso/other/acs",
    )
    xml = s.build_response(sp=other)
    assert validate(xml, sp=other).name_id
    with pytest.raises(errors.SAMLError):
        validate(xml)


def test_posted_tree_is_released_before_the_signed_assertion_is_parsed(monkeypatch):
    """Only one libxml2 document is alive at a time: no element of the posted Response survives the re-parse."""
    import gc

    from ssoconsole.saml import xmldsig

    seen = []
    original = xmldsig.parse_canonical

    def checking(data):
        gc.collect()
        seen.append(
            [
                o
                for o in gc.get_objects()
                if isinstance(o, etree._Element)
                and o.getroottree().getroot().tag == f"{{{SAMLP}}}Response"
            ]
        )
        return original(data)

    monkeypatch.setattr(xmldsig, "parse_canonical", checking)
    assert validate(response()).name_id == "alice@example.com"
    assert seen == [[]]
