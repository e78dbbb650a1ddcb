"""XML-Signature verification: the narrow SAML profile, and nothing beyond it."""

from __future__ import annotations

import base64
import hashlib

import pytest
import signing as s
from lxml import etree
from signxml import XMLSigner, XMLVerifier, methods

from ssoconsole.saml.config import ValidationPolicy
from ssoconsole.saml.xml import parse_untrusted
from ssoconsole.saml.xmldsig import (
    DigestMismatch,
    DuplicateID,
    SHA1Refused,
    SignatureAlgorithmForbidden,
    SignatureInvalid,
    SignatureMalformed,
    SignatureMissing,
    SignatureReferenceInvalid,
    SignatureTransformForbidden,
    SignatureUntrustedKey,
    VerifiedContent,
    fingerprint,
    verify_signature,
    verify_signed_element,
)

DS = s.DS
SAML = s.SAML
INCLUSIVE_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
EXC_C14N_COMMENTS = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"


def signed_assertion(key=None, **options):
    """Return a signed Assertion inside a Response, parsed back from bytes like a posted one."""
    response = s.build_response_tree(sign="assertion", key=key, signature_options=options)
    root = parse_untrusted(etree.tostring(response))
    return root.find(f"{{{SAML}}}Assertion")


def certs(*names):
    return [s.keypair(n).cert_der for n in (names or ("idp",))]


def signxml_signed(element, key, *, algorithm="rsa-sha256"):
    """Sign with signxml, the independent implementation, placing the signature after Issuer."""
    placeholder = etree.Element(f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    element.insert(1, placeholder)
    signer = XMLSigner(
        method=methods.enveloped,
        signature_algorithm=algorithm,
        digest_algorithm="sha256",
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    )
    signed = signer.sign(
        element, key=key.key_pem, cert=key.cert_pem.decode(), reference_uri="#" + element.get("ID")
    )
    return parse_untrusted(etree.tostring(signed))


# --- what is accepted -------------------------------------------------------


def test_valid_signature_returns_a_fresh_element_without_the_signature():
    """The result is parsed from the signed bytes: another tree, no ds:Signature."""
    assertion = signed_assertion()
    verified = verify_signed_element(assertion, certs())
    assert verified.tag == f"{{{SAML}}}Assertion"
    assert verified.get("ID") == assertion.get("ID")
    assert verified.find(f"{{{DS}}}Signature") is None
    assert verified.getroottree() is not assertion.getroottree()


def test_verify_signature_holds_only_the_signed_bytes():
    """The deferred result keeps no element of the posted tree, and parses to what verify_signed_element returns."""
    assertion = signed_assertion()
    expected = etree.tostring(verify_signed_element(assertion, certs()))
    content = verify_signature(assertion, certs())
    assert isinstance(content, VerifiedContent)
    assert [type(getattr(content, slot)) for slot in VerifiedContent.__slots__] == [bytes, bytes]
    assert content.certificate == s.keypair().cert_der
    del assertion
    verified = content.element()
    assert etree.tostring(verified) == expected
    assert verified.find(f"{{{DS}}}Signature") is None


def test_verify_signature_refuses_what_verify_signed_element_refuses():
    """The deferred variant runs the same checks: a changed assertion is a digest mismatch."""
    assertion = signed_assertion()
    assertion.find(f"{{{SAML}}}Issuer").text = "https://evil.example/"
    with pytest.raises(DigestMismatch):
        verify_signature(assertion, certs())


def test_posted_tree_is_left_exactly_as_it_was():
    """Taking the signature out for the digest is undone, tail text included."""
    assertion = signed_assertion()
    assertion.find(f"{{{DS}}}Signature").tail = None
    before = etree.tostring(assertion.getroottree())
    verify_signed_element(assertion, certs())
    assert etree.tostring(assertion.getroottree()) == before


def test_signature_made_by_signxml_is_accepted():
    """An independent implementation's enveloped RSA-SHA256 signature verifies."""
    key = s.keypair()
    assertion = signxml_signed(s.build_assertion(), key)
    assert verify_signed_element(assertion, certs()).get("ID") == s.ASSERTION_ID


def test_signxml_accepts_what_our_test_signer_makes():
    """The tests' one signer is checked against signxml, so fixtures are real signatures."""
    assertion = signed_assertion()
    result = XMLVerifier().verify(
        assertion, x509_cert=s.keypair().cert_pem.decode(), expect_references=1
    )
    assert result.signed_xml.get("ID") == s.ASSERTION_ID


def test_pretty_printed_document_signed_by_signxml_is_accepted():
    """Whitespace after the signature stays in the digest, as the enveloped transform requires."""
    key = s.keypair()
    pretty = etree.fromstring(etree.tostring(s.build_assertion(), pretty_print=True))
    placeholder = etree.Element(f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    placeholder.tail = "\n  "
    pretty.insert(1, placeholder)
    signed = XMLSigner(
        method=methods.enveloped,
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    ).sign(
        pretty, key=key.key_pem, cert=key.cert_pem.decode(), reference_uri="#" + pretty.get("ID")
    )
    assertion = parse_untrusted(etree.tostring(signed))
    assert assertion.find(f"{{{DS}}}Signature").tail == "\n  "
    assert verify_signed_element(assertion, certs()) is not None


@pytest.mark.parametrize("kind,algorithm", [("ec256", "ecdsa-sha256"), ("ec384", "ecdsa-sha384")])
def test_ecdsa_signature_made_by_signxml_is_accepted(kind, algorithm):
    """ECDSA r||s signature values (RFC 4050 encoding) verify on P-256 and P-384."""
    key = s.keypair(f"idp-{kind}", kind)
    assertion = signxml_signed(s.build_assertion(), key, algorithm=algorithm)
    assert verify_signed_element(assertion, [key.cert_der]) is not None


@pytest.mark.parametrize(
    "signature_method,digest_method",
    [(s.RSA_SHA256, s.SHA256), (s.RSA_SHA512, s.SHA512), (s.RSA_SHA256, s.SHA384)],
)
def test_rsa_with_sha2_is_accepted(signature_method, digest_method):
    """RSA PKCS#1 v1.5 with SHA-256/384/512 signatures and digests verify."""
    assertion = signed_assertion(signature_method=signature_method, digest_method=digest_method)
    assert verify_signed_element(assertion, certs()) is not None


def test_every_metadata_certificate_is_tried_during_a_rollover():
    """With two signing certificates in the metadata, a signature by the second verifies."""
    assertion = signed_assertion(key=s.keypair("idp-next"))
    assert verify_signed_element(assertion, certs("idp", "idp-next")) is not None


def test_inclusive_namespace_prefixes_are_honoured():
    """A PrefixList keeps a declaration only used inside attribute values (xsi:type="xs:string")."""
    root = etree.fromstring(
        b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        b'xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="_r">'
        b'<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0">'
        b'<saml:Issuer>x</saml:Issuer><saml:AttributeStatement><saml:Attribute Name="n">'
        b'<saml:AttributeValue xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">v'
        b"</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"
    )
    s.sign_element(root[0], s.keypair(), inclusive_prefixes=["xs"])
    posted = parse_untrusted(etree.tostring(root))
    verified = verify_signed_element(posted[0], certs())
    assert verified.nsmap.get("xs") == "http://www.w3.org/2001/XMLSchema"


@pytest.mark.parametrize("prefix", ["dsig", None])
def test_signature_with_another_prefix_for_the_dsig_namespace_is_accepted(prefix):
    """Prefixes are names, not meaning: dsig: or a default namespace work like ds:."""
    assertion = signed_assertion(ds_prefix=prefix)
    assert assertion.find(f"{{{DS}}}Signature").prefix == prefix
    assert verify_signed_element(assertion, certs()) is not None


def test_comments_are_not_part_of_the_signed_content():
    """Exclusive C14N without comments: the result has no comments and the text is whole."""
    assertion = signed_assertion()
    name_id = assertion.find(f"{{{SAML}}}Subject/{{{SAML}}}NameID")
    name_id.text = "alice@exam"
    name_id.append(etree.Comment("x"))
    name_id[-1].tail = "ple.com"
    verified = verify_signed_element(assertion, certs())
    verified_name = verified.find(f"{{{SAML}}}Subject/{{{SAML}}}NameID")
    assert verified_name.text == "alice@example.com" and len(verified_name) == 0


# --- what is refused ----------------------------------------------------------


def test_unsigned_element_is_refused():
    """No ds:Signature child: saml.signature_missing."""
    with pytest.raises(SignatureMissing) as info:
        verify_signed_element(s.build_assertion(), certs())
    assert info.value.code == "saml.signature_missing"


def test_signature_in_another_namespace_does_not_count():
    """A Signature element outside the XML-DSig namespace is not a signature."""
    assertion = signed_assertion()
    text = etree.tostring(assertion.getroottree()).replace(
        DS.encode(), b"http://www.w3.org/2000/09/xmldsig-more#"
    )
    posted = parse_untrusted(text).find(f"{{{SAML}}}Assertion")
    with pytest.raises(SignatureMissing):
        verify_signed_element(posted, certs())


def test_changed_content_is_a_digest_mismatch():
    """One changed character of signed content: saml.digest_mismatch."""
    assertion = signed_assertion()
    assertion.find(f"{{{SAML}}}Subject/{{{SAML}}}NameID").text = "mallory@example.com"
    with pytest.raises(DigestMismatch) as info:
        verify_signed_element(assertion, certs())
    assert info.value.code == "saml.digest_mismatch"


def test_changed_signature_value_is_invalid():
    """A flipped bit in SignatureValue: saml.signature_invalid."""
    assertion = signed_assertion()
    value = assertion.find(f"{{{DS}}}Signature/{{{DS}}}SignatureValue")
    raw = bytearray(base64.b64decode(value.text))
    raw[10] ^= 1
    value.text = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(SignatureInvalid):
        verify_signed_element(assertion, certs())


def test_changed_signed_info_is_invalid():
    """SignedInfo is what is signed: changing its DigestValue along with the content fails."""
    assertion = signed_assertion()
    assertion.find(f"{{{SAML}}}Subject/{{{SAML}}}NameID").text = "mallory@example.com"
    canonical = etree.tostring(
        _without_signature(assertion), method="c14n", exclusive=True, with_comments=False
    )
    assertion.find(f".//{{{DS}}}DigestValue").text = base64.b64encode(
        hashlib.sha256(canonical).digest()
    ).decode()
    with pytest.raises(SignatureInvalid):
        verify_signed_element(assertion, certs())


def _without_signature(element):
    copy = etree.fromstring(etree.tostring(element))
    copy.remove(copy.find(f"{{{DS}}}Signature"))
    return copy


def test_key_not_in_metadata_with_its_certificate_in_key_info_is_untrusted():
    """KeyInfo is only a hint: a self-made certificate there earns saml.signature_untrusted_key."""
    assertion = signed_assertion(key=s.keypair("attacker"))
    with pytest.raises(SignatureUntrustedKey) as info:
        verify_signed_element(assertion, certs())
    assert info.value.code == "saml.signature_untrusted_key"
    attacker, trusted = s.keypair("attacker").cert_der, s.keypair().cert_der
    assert info.value.actual == hashlib.sha1(attacker).hexdigest().upper()
    assert info.value.expected == [hashlib.sha1(trusted).hexdigest().upper()]
    assert info.value.signer_sha256 == fingerprint(attacker)
    assert info.value.context["signer_subject"] == "CN=ssoconsole test attacker"
    assert hashlib.sha1(attacker).hexdigest().upper() in info.value.admin_message()
    assert "['" not in info.value.admin_message() and "None" not in info.value.admin_message()


def test_key_not_in_metadata_without_key_info_is_invalid():
    """Without a KeyInfo hint, a foreign key is simply an invalid signature."""
    assertion = signed_assertion(key=s.keypair("attacker"), include_cert=False)
    with pytest.raises(SignatureInvalid):
        verify_signed_element(assertion, certs())


def test_trusted_certificate_in_key_info_does_not_make_a_foreign_signature_valid():
    """Naming the IdP's own certificate in KeyInfo changes nothing if another key signed."""
    assertion = signed_assertion(key=s.keypair("attacker"), include_cert=s.keypair().cert_der)
    with pytest.raises(SignatureInvalid):
        verify_signed_element(assertion, certs())


def test_no_trusted_certificates_means_nothing_verifies():
    """An empty trust list refuses every signature."""
    with pytest.raises((SignatureInvalid, SignatureUntrustedKey)):
        verify_signed_element(signed_assertion(), [])


@pytest.mark.parametrize(
    "options",
    [{"signature_method": s.RSA_SHA1}, {"digest_method": s.SHA1}],
    ids=["rsa-sha1", "sha1-digest"],
)
def test_sha1_is_refused_with_the_entra_fix_in_the_hint(options):
    """SHA-1 signatures and digests are refused by default, and the hint says how to fix it."""
    with pytest.raises(SHA1Refused) as info:
        verify_signed_element(signed_assertion(**options), certs())
    assert info.value.code == "saml.sha1_refused"
    assert (
        "SHA-256" in info.value.admin_message()
        and "SAML Signing Certificate" in info.value.admin_message()
    )


def test_sha1_is_accepted_with_the_insecure_switch():
    """insecure_allow_sha1 lets an old IdP's SHA-1 signature through."""
    assertion = signed_assertion(signature_method=s.RSA_SHA1, digest_method=s.SHA1)
    assert (
        verify_signed_element(assertion, certs(), policy=ValidationPolicy(insecure_allow_sha1=True))
        is not None
    )


@pytest.mark.parametrize(
    "method",
    [
        "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
        "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
        "urn:example:none",
    ],
    ids=["hmac-sha1", "hmac-sha256", "dsa-sha1", "unknown"],
)
def test_unknown_or_symmetric_signature_methods_are_refused(method):
    """Fail closed on any signature method outside RSA/ECDSA (HMAC would use the certificate as a secret)."""
    assertion = signed_assertion()
    assertion.find(f".//{{{DS}}}SignatureMethod").set("Algorithm", method)
    with pytest.raises(SignatureAlgorithmForbidden):
        verify_signed_element(assertion, certs())


def test_unknown_digest_method_is_refused():
    """Fail closed on an unknown digest algorithm URI (MD5 here)."""
    assertion = signed_assertion(digest_method="http://www.w3.org/2001/04/xmldsig-more#md5")
    with pytest.raises(SignatureAlgorithmForbidden):
        verify_signed_element(assertion, certs())


@pytest.mark.parametrize("c14n", [INCLUSIVE_C14N, EXC_C14N_COMMENTS, "urn:example:c14n"])
def test_signed_info_canonicalization_other_than_exclusive_is_refused(c14n):
    """Only exclusive C14N without comments canonicalizes SignedInfo (SAML Core 5.4.3)."""
    with pytest.raises(SignatureAlgorithmForbidden):
        verify_signed_element(signed_assertion(c14n_method=c14n), certs())


@pytest.mark.parametrize(
    "transforms",
    [
        (s.ENVELOPED, s.EXC_C14N, XPATH),
        (s.ENVELOPED, EXC_C14N_COMMENTS),
        (s.ENVELOPED, INCLUSIVE_C14N),
        (s.ENVELOPED, "http://www.w3.org/TR/1999/REC-xslt-19991116"),
        (s.EXC_C14N, s.ENVELOPED),
        (s.EXC_C14N,),
        (s.ENVELOPED,),
        (s.ENVELOPED, s.EXC_C14N, s.EXC_C14N),
        (),
    ],
    ids=[
        "extra-xpath",
        "with-comments",
        "inclusive",
        "xslt",
        "swapped",
        "no-enveloped",
        "no-c14n",
        "doubled",
        "none",
    ],
)
def test_transforms_other_than_enveloped_then_exclusive_are_refused(transforms):
    """Exactly enveloped-signature then exclusive C14N (SAML Core 5.4.4); anything else fails closed."""
    with pytest.raises(SignatureTransformForbidden) as info:
        verify_signed_element(signed_assertion(transforms=transforms), certs())
    assert info.value.code == "saml.signature_transform_forbidden"


@pytest.mark.parametrize(
    "uri",
    [
        "",
        "#_other",
        "#xpointer(id('_00000000-0000-4000-8000-000000000002'))",
        "#xpointer(/)",
        "_00000000-0000-4000-8000-000000000002",
    ],
    ids=["empty", "other-id", "xpointer-id", "xpointer-root", "no-hash"],
)
def test_reference_must_point_at_the_signed_element(uri):
    """The one Reference URI is '#' + this element's ID; '' (whole document) and XPointer are refused."""
    with pytest.raises(SignatureReferenceInvalid):
        verify_signed_element(signed_assertion(reference_uri=uri), certs())


def test_two_references_are_refused():
    """Exactly one Reference (SAML Core 5.4.2): a second one could cover other content."""
    assertion = signed_assertion()
    reference = assertion.find(f".//{{{DS}}}Reference")
    reference.addnext(etree.fromstring(etree.tostring(reference)))
    with pytest.raises(SignatureReferenceInvalid):
        verify_signed_element(assertion, certs())


def test_element_without_id_is_refused():
    """An element that has no ID cannot be the target of '#ID'."""
    assertion = signed_assertion()
    del assertion.attrib["ID"]
    with pytest.raises(SignatureReferenceInvalid):
        verify_signed_element(assertion, certs())


def test_id_attribute_in_another_case_is_not_the_id():
    """Only the attribute named exactly ID identifies a SAML element ("Id" or "id" do not)."""
    assertion = signed_assertion()
    assertion.set("Id", assertion.get("ID"))
    del assertion.attrib["ID"]
    with pytest.raises(SignatureReferenceInvalid):
        verify_signed_element(assertion, certs())


@pytest.mark.parametrize(
    "attribute", ["ID", "Id", "id", "{http://www.w3.org/XML/1998/namespace}id"]
)
def test_same_id_elsewhere_in_the_document_is_refused(attribute):
    """A twin element with the signed ID (in any spelling) is a wrapping attempt: saml.duplicate_id."""
    assertion = signed_assertion()
    twin = etree.SubElement(assertion.getparent(), "{urn:example}twin")
    twin.set(attribute, assertion.get("ID"))
    with pytest.raises(DuplicateID) as info:
        verify_signed_element(assertion, certs())
    assert info.value.code == "saml.duplicate_id"


def test_two_signatures_are_refused():
    """Exactly one ds:Signature child (SAML Core 5.4.1)."""
    assertion = signed_assertion()
    signature = assertion.find(f"{{{DS}}}Signature")
    signature.addnext(etree.fromstring(etree.tostring(signature)))
    with pytest.raises(SignatureMalformed):
        verify_signed_element(assertion, certs())


def test_object_inside_the_signature_is_refused():
    """ds:Object is where wrapping attacks hide content; SAML signatures never need it."""
    assertion = signed_assertion()
    etree.SubElement(assertion.find(f"{{{DS}}}Signature"), f"{{{DS}}}Object")
    with pytest.raises(SignatureMalformed):
        verify_signed_element(assertion, certs())


def test_signature_nested_deeper_does_not_sign_the_element():
    """A signature inside a child (not a direct child) does not cover the element."""
    assertion = signed_assertion()
    signature = assertion.find(f"{{{DS}}}Signature")
    assertion.find(f"{{{SAML}}}Subject").append(signature)
    with pytest.raises(SignatureMissing):
        verify_signed_element(assertion, certs())


def test_digest_value_that_is_not_base64_is_malformed():
    """A DigestValue that does not decode is refused, not compared."""
    assertion = signed_assertion()
    assertion.find(f".//{{{DS}}}DigestValue").text = "not base64!"
    with pytest.raises(SignatureMalformed):
        verify_signed_element(assertion, certs())


def test_unknown_canonicalization_parameter_is_malformed():
    """Only InclusiveNamespaces may parametrize exclusive C14N."""
    assertion = signed_assertion()
    transform = assertion.findall(f".//{{{DS}}}Transform")[1]
    etree.SubElement(transform, "{urn:example}param")
    with pytest.raises(SignatureMalformed):
        verify_signed_element(assertion, certs())


def test_changes_to_the_posted_tree_after_verification_do_not_reach_the_result():
    """The verified element is independent of the posted tree."""
    assertion = signed_assertion()
    verified = verify_signed_element(assertion, certs())
    assertion.find(f"{{{SAML}}}Subject/{{{SAML}}}NameID").text = "mallory@example.com"
    assert verified.find(f"{{{SAML}}}Subject/{{{SAML}}}NameID").text == "alice@example.com"
