"""Security review of the SAML core: cases beyond the attack table, signed at test time.

Most pin behaviour that held (each test says which rule); the two findings
(R-SAML-1 repeated Conditions, R-SAML-2 several AuthnStatements) are fixed and
pinned here.
"""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
import signing as s
from lxml import etree

from ssoconsole.saml import errors
from ssoconsole.saml.response import validate_response
from ssoconsole.saml.xmldsig import (
    SignatureAlgorithmForbidden,
    SignatureInvalid,
    SignatureReferenceInvalid,
    SignatureUntrustedKey,
)

SAML, DS = s.SAML, s.DS
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"


def validate(root, *, now=s.NOW):
    return validate_response(
        s.encode(root), sp=s.SP, idp=s.idp_config(), expected=s.expected(), now=now
    )


def signed_with(change, **options):
    """Build an unsigned response, apply ``change`` to its assertion, then sign the assertion (the IdP did it)."""
    root = s.build_response_tree(sign=None, **options)
    assertion = root.find(f"{{{SAML}}}Assertion")
    change(assertion)
    s.sign_assertion(assertion, **options.get("signature_options", {}))
    return root


def q(name):
    return f"{{{SAML}}}{name}"


# --- References and algorithms --------------------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        f"#xpointer(id('{s.ASSERTION_ID}'))",
        "#xpointer(/)",
        f" #{s.ASSERTION_ID}",
        f"#{s.ASSERTION_ID} ",
        "",
    ],
)
def test_reference_uri_other_than_hash_id_is_refused(uri):
    """XML-DSig 4.4.3.3 XPointer forms, padded and empty URIs: only '#' + the element's ID (SAML Core 5.4.2)."""
    root = s.build_response_tree(signature_options={"reference_uri": uri})
    with pytest.raises(SignatureReferenceInvalid):
        validate(root)


@pytest.mark.parametrize(
    "tag, value",
    [
        ("SignatureMethod", "http://www.w3.org/2001/04/xmldsig-more#RSA-SHA256"),
        ("SignatureMethod", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256 "),
        ("CanonicalizationMethod", "http://www.w3.org/2001/10/xml-exc-c14n# "),
        ("CanonicalizationMethod", "HTTP://www.w3.org/2001/10/xml-exc-c14n#"),
        ("DigestMethod", "http://www.w3.org/2001/04/xmlenc#SHA256"),
    ],
)
def test_algorithm_uris_are_compared_exactly(tag, value):
    """Case or whitespace variants of an algorithm URI are unknown algorithms: fail closed, before any crypto."""
    root = s.build_response_tree()
    root.find(f".//{{{DS}}}{tag}").set("Algorithm", value)
    with pytest.raises(SignatureAlgorithmForbidden):
        validate(root)


def _replace_key_info(root, build):
    signature = root.find(f".//{{{DS}}}Signature")
    key_info = signature.find(f"{{{DS}}}KeyInfo")
    if key_info is not None:
        signature.remove(
            key_info
        )  # KeyInfo is outside SignedInfo: changing it keeps the signature valid
    build(etree.SubElement(signature, f"{{{DS}}}KeyInfo"))


def test_keyinfo_retrieval_method_is_never_followed_and_keys_come_from_metadata():
    """A KeyInfo with only a RetrievalMethod (no certificate) still verifies against the metadata key only."""
    root = s.build_response_tree()
    _replace_key_info(
        root,
        lambda ki: etree.SubElement(
            ki,
            f"{{{DS}}}RetrievalMethod",
            URI="http://169.254.169.254/latest/meta-data/",
            Type=DS + "X509Data",
        ),
    )
    assert validate(root).name_id == "alice@example.com"


def test_foreign_key_with_retrieval_method_is_untrusted():
    root = s.build_response_tree(
        key=s.keypair("attacker"), signature_options={"include_cert": False}
    )
    _replace_key_info(
        root, lambda ki: etree.SubElement(ki, f"{{{DS}}}RetrievalMethod", URI="#cert")
    )
    with pytest.raises((SignatureInvalid, SignatureUntrustedKey)):
        validate(root)


def test_inclusive_namespaces_prefix_list_does_not_change_what_is_read():
    """A PrefixList that pulls extra declarations in is fine: claims are read from the canonical bytes."""
    root = s.build_response_tree(sign=None)
    assertion = root.find(q("Assertion"))
    s.sign_assertion(assertion, inclusive_prefixes=["samlp"])
    assert validate(root).name_id == "alice@example.com"


# --- Subject -------------------------------------------------------------------------------------


def test_name_id_inside_encrypted_id_is_not_read_as_a_name_id():
    """An EncryptedID (SAML Core 2.2.4) is not decrypted by this SP: no NameID, refused, nothing guessed."""

    def change(a):
        subject = a.find(q("Subject"))
        name_id = subject.find(q("NameID"))
        encrypted = etree.Element(q("EncryptedID"))
        encrypted.append(
            copy.deepcopy(name_id)
        )  # a plaintext NameID hidden where a reader might descend
        subject.replace(name_id, encrypted)

    with pytest.raises(errors.NameIDMissing):
        validate(signed_with(change))


def test_one_valid_bearer_confirmation_among_invalid_ones_is_accepted():
    """SAML Profiles 4.1.4.2: at least one bearer confirmation must fit; others may be for other recipients."""

    def change(a):
        subject = a.find(q("Subject"))
        good = subject.find(q("SubjectConfirmation"))
        bad = copy.deepcopy(good)
        bad.find(q("SubjectConfirmationData")).set("Recipient", "https://evil.example/acs")
        good.addprevious(bad)

    assert validate(signed_with(change)).name_id == "alice@example.com"


def test_only_invalid_bearer_confirmations_are_refused_with_the_first_reason():
    def change(a):
        subject = a.find(q("Subject"))
        good = subject.find(q("SubjectConfirmation"))
        good.find(q("SubjectConfirmationData")).set("Recipient", "https://evil.example/acs")
        holder = copy.deepcopy(good)
        holder.set("Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key")
        holder.find(q("SubjectConfirmationData")).set("Recipient", s.SP.acs_url)
        subject.append(holder)  # a fitting confirmation of another method does not count

    with pytest.raises(errors.RecipientMismatch):
        validate(signed_with(change))


def test_subject_confirmation_data_without_not_on_or_after_is_refused():
    """SAML Profiles 4.1.4.2: a bearer SubjectConfirmationData must carry NotOnOrAfter."""
    with pytest.raises(errors.TimeMalformed):
        validate(s.build_response_tree(subject_not_on_or_after=None))


# --- Conditions and statements -------------------------------------------------------------------


def test_audience_list_with_ours_among_others_is_accepted():
    """SAML Core 2.5.1.4: the SP must be among the Audiences of each AudienceRestriction."""
    root = s.build_response_tree(audience=["https://other.example/app", s.SP.entity_id, "urn:x"])
    assert validate(root).name_id == "alice@example.com"


def test_a_second_audience_restriction_without_us_is_refused():
    """Every AudienceRestriction must name this SP (SAML Core 2.5.1.4: they are ANDed)."""

    def change(a):
        conditions = a.find(q("Conditions"))
        extra = etree.SubElement(conditions, q("AudienceRestriction"))
        etree.SubElement(extra, q("Audience")).text = "https://other.example/app"

    with pytest.raises(errors.AudienceMismatch):
        validate(signed_with(change))


def test_attribute_friendly_name_is_not_its_name():
    """Attributes are keyed by Name only (SAML Core 2.7.3.1): a FriendlyName cannot impersonate another claim."""

    def change(a):
        statement = a.find(q("AttributeStatement"))
        attribute = etree.SubElement(
            statement, q("Attribute"), Name="urn:x:nickname", FriendlyName="username"
        )
        etree.SubElement(attribute, q("AttributeValue")).text = "admin@example.com"

    assertion = validate(signed_with(change))
    assert "username" not in assertion.attributes
    assert assertion.attributes["urn:x:nickname"] == ("admin@example.com",)


def test_duplicated_conditions_are_refused():
    """Review finding R-SAML-1: a second (schema-invalid) Conditions element is refused, not ignored."""

    def change(a):
        conditions = a.find(q("Conditions"))
        second = copy.deepcopy(conditions)
        second.set("NotOnOrAfter", s.instant(s.NOW - timedelta(hours=1)))
        conditions.addnext(second)

    with pytest.raises(errors.ResponseMalformed, match="more than one Conditions"):
        validate(signed_with(change))


def test_duplicated_subject_is_refused():
    def change(a):
        subject = a.find(q("Subject"))
        subject.addnext(copy.deepcopy(subject))

    with pytest.raises(errors.ResponseMalformed, match="more than one Subject"):
        validate(signed_with(change))


def test_several_authn_statements_end_the_session_at_the_earliest_session_not_on_or_after():
    """Review finding R-SAML-2: the earliest SessionNotOnOrAfter of all AuthnStatements ends the session."""

    def change(a):
        first = a.find(q("AuthnStatement"))
        first.set("SessionNotOnOrAfter", s.instant(s.NOW + timedelta(hours=8)))
        second = copy.deepcopy(first)
        second.set("SessionNotOnOrAfter", s.instant(s.NOW + timedelta(minutes=30)))
        first.addnext(second)

    assertion = validate(signed_with(change))
    assert assertion.session_not_on_or_after == s.NOW + timedelta(minutes=30)
