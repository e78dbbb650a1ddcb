"""A table of named attack fixtures, signed at test time, each refused for its own reason.

Every fixture starts from a response that validates (``test_baseline_validates``)
and changes exactly what its name says. XSW1 to XSW8 follow SAML Raider's
definitions (CompassSecurity/SAMLRaider, ``XSWHelpers.applyXSW1..8``, after
Somorovsky et al., "On Breaking SAML: Be Whoever You Want to Be", 2012).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import signing as s
from lxml import etree

from ssoconsole.saml import errors
from ssoconsole.saml import xml as xml_module
from ssoconsole.saml.config import ValidationPolicy
from ssoconsole.saml.response import validate_response
from ssoconsole.saml.xmldsig import (
    DigestMismatch,
    DuplicateID,
    SHA1Refused,
    SignatureMalformed,
    SignatureMissing,
    SignatureReferenceInvalid,
    SignatureTransformForbidden,
    SignatureUntrustedKey,
    verify_signed_element,
)

SAML, SAMLP, DS = s.SAML, s.SAMLP, s.DS
EVIL = "admin@example.com"


def tree(**options) -> etree._Element:
    return s.build_response_tree(**options)


def assertion_of(root):
    return root.find(f"{{{SAML}}}Assertion")


def make_evil(assertion):
    """Apply the attacker's change: become the administrator."""
    assertion.find(f".//{{{SAML}}}NameID").text = EVIL


def without_signature(element):
    clone = copy.deepcopy(element)
    signature = clone.find(f".//{{{DS}}}Signature")
    signature.getparent().remove(signature)
    return clone


# --- XSW1-XSW8 as SAML Raider applies them ---------------------------------------


def xsw1():
    """Response signed: the signed Response, unsigned, moves into the signature; the root is evil."""
    root = tree(sign="response")
    clone = without_signature(root)
    make_evil(assertion_of(root))
    root.find(f"{{{DS}}}Signature").append(clone)
    root.set("ID", "_evil_response_ID")
    return root


def xsw2():
    """Like XSW1, with the signed copy placed before the signature (a detached-looking layout)."""
    root = tree(sign="response")
    clone = without_signature(root)
    make_evil(assertion_of(root))
    signature = root.find(f"{{{DS}}}Signature")
    signature.addprevious(clone)
    root.set("ID", "_evil_response_ID")
    return root


def xsw3():
    """An evil unsigned copy of the assertion, new ID, inserted before the signed one."""
    root = tree()
    assertion = assertion_of(root)
    evil = without_signature(assertion)
    make_evil(evil)
    evil.set("ID", "_evil_assertion_ID")
    assertion.addprevious(evil)
    return root


def xsw4():
    """An evil unsigned copy, new ID, that wraps the signed assertion."""
    root = tree()
    assertion = assertion_of(root)
    evil = without_signature(assertion)
    make_evil(evil)
    evil.set("ID", "_evil_assertion_ID")
    root.append(evil)
    evil.append(assertion)
    return root


def xsw5():
    """The signed assertion becomes evil (new ID, signature kept); an unsigned original goes to the end."""
    root = tree()
    evil = assertion_of(root)
    original = without_signature(evil)
    make_evil(evil)
    root.append(original)
    evil.set("ID", "_evil_assertion_ID")
    return root


def xsw6():
    """Like XSW5, with the unsigned original placed inside the evil assertion's signature."""
    root = tree()
    evil = assertion_of(root)
    signature = evil.find(f"{{{DS}}}Signature")
    original = without_signature(evil)
    make_evil(evil)
    signature.append(original)
    evil.set("ID", "_evil_assertion_ID")
    return root


def xsw7():
    """An Extensions element before the assertion holds an evil unsigned copy with the same ID."""
    root = tree()
    assertion = assertion_of(root)
    extensions = etree.Element("Extensions")
    assertion.addprevious(extensions)
    evil = without_signature(assertion)
    make_evil(evil)
    extensions.append(evil)
    return root


def xsw8():
    """The signed assertion becomes evil (same ID); the unsigned original hides in an Object in its signature."""
    root = tree()
    evil = assertion_of(root)
    signature = evil.find(f"{{{DS}}}Signature")
    original = without_signature(evil)
    make_evil(evil)
    obj = etree.SubElement(signature, "Object")
    obj.append(original)
    return root


XSW = {
    "XSW1": xsw1,
    "XSW2": xsw2,
    "XSW3": xsw3,
    "XSW4": xsw4,
    "XSW5": xsw5,
    "XSW6": xsw6,
    "XSW7": xsw7,
    "XSW8": xsw8,
}


# --- the other attacks ---------------------------------------------------------------


def signature_stripped():
    root = tree()
    assertion = assertion_of(root)
    assertion.remove(assertion.find(f"{{{DS}}}Signature"))
    make_evil(assertion)
    return root


def digest_mismatch():
    root = tree()
    make_evil(assertion_of(root))
    return root


def response_signed_assertion_changed():
    root = tree(sign="response")
    make_evil(assertion_of(root))
    return root


def second_unsigned_assertion_after():
    root = tree()
    evil = without_signature(assertion_of(root))
    make_evil(evil)
    evil.set("ID", "_second")
    root.append(evil)
    return root


def unsigned_assertion_first():
    """crewjam/saml 2022 (GHSA-j2jp-wvqg-wc2g shape): the reader takes the first, the checker the signed one."""
    root = tree()
    evil = without_signature(assertion_of(root))
    make_evil(evil)
    evil.set("ID", "_first")
    assertion_of(root).addprevious(evil)
    return root


def assertion_in_advice():
    """An unsigned assertion smuggled inside the signed one's Advice (covered by the signature)."""
    root = tree(sign=None)
    assertion = assertion_of(root)
    advice = etree.Element(f"{{{SAML}}}Advice")
    inner = copy.deepcopy(assertion)
    make_evil(inner)
    inner.set("ID", "_advice")
    advice.append(inner)
    assertion.find(f"{{{SAML}}}Conditions").addnext(advice)
    s.sign_element(assertion, s.keypair())
    return root


def assertion_in_extensions():
    root = tree()
    extensions = etree.Element(f"{{{SAMLP}}}Extensions")
    evil = without_signature(assertion_of(root))
    make_evil(evil)
    evil.set("ID", "_ext")
    extensions.append(evil)
    root.find(f"{{{SAMLP}}}Status").addprevious(extensions)
    return root


def duplicate_id_elsewhere():
    root = tree()
    etree.SubElement(root, "{urn:example}x", ID=s.ASSERTION_ID)
    return root


def duplicate_id_lowercase():
    """An ID-case trick: a twin with id="..." that a case-insensitive lookup would find."""
    root = tree()
    extensions = etree.Element(f"{{{SAMLP}}}Extensions")
    etree.SubElement(extensions, "{urn:example}x", id=s.ASSERTION_ID)
    root.find(f"{{{SAMLP}}}Status").addprevious(extensions)
    return root


def look_alike_namespace():
    """The signed assertion declares a look-alike SAML namespace: it is no assertion at all."""
    text = s.build_response().replace(
        b'xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID',
        b'xmlns="urn:oasis:names:tc:SAML:2.0:assertion:" ID',
    )
    return text


def foreign_key_with_cert_in_key_info():
    return tree(key=s.keypair("attacker"))


def empty_reference_uri():
    return tree(signature_options={"reference_uri": ""})


def extra_transform():
    return tree(
        signature_options={
            "transforms": (s.ENVELOPED, s.EXC_C14N, "http://www.w3.org/TR/1999/REC-xpath-19991116")
        }
    )


def with_comments_transform():
    return tree(
        signature_options={
            "transforms": (s.ENVELOPED, "http://www.w3.org/2001/10/xml-exc-c14n#WithComments")
        }
    )


def with_prolog(prolog: bytes) -> Callable[[], bytes]:
    def build():
        return b'<?xml version="1.0"?>' + prolog + s.build_response()

    return build


def with_entity_in_name_id(prolog: bytes, reference: bytes) -> Callable[[], bytes]:
    def build():
        return (
            b'<?xml version="1.0"?>'
            + prolog
            + s.build_response().replace(b"alice@example.com</NameID>", reference + b"</NameID>")
        )

    return build


def deeply_nested():
    root = tree()
    extensions = etree.Element(f"{{{SAMLP}}}Extensions")
    node = extensions
    for _ in range(100):
        node = etree.SubElement(node, "{urn:example}n")
    root.find(f"{{{SAMLP}}}Status").addprevious(extensions)
    return root


def signature_moved_to_response():
    """The assertion's valid signature is lifted to the Response (SAML Raider's XSW10 idea)."""
    root = tree()
    assertion = assertion_of(root)
    signature = assertion.find(f"{{{DS}}}Signature")
    root.find(f"{{{SAML}}}Issuer").addnext(signature)
    make_evil(assertion)
    return root


def reference_id_in_another_case():
    """The Reference names the ID in another letter case, which an insensitive lookup would accept."""
    return tree(assertion_id="_abcdef0123", signature_options={"reference_uri": "#_ABCDEF0123"})


def sha1():
    return tree(signature_options={"signature_method": s.RSA_SHA1, "digest_method": s.SHA1})


@dataclass(frozen=True)
class Attack:
    name: str
    build: Callable[[], object]
    refused_with: type
    now_offset: timedelta = timedelta(0)
    request_id: str = s.REQUEST_ID
    policy: ValidationPolicy = ValidationPolicy()
    raw: str | None = None


ATTACKS = [
    Attack("XSW1", xsw1, errors.AssertionCountInvalid),
    Attack("XSW2", xsw2, errors.AssertionCountInvalid),
    Attack("XSW3", xsw3, errors.AssertionCountInvalid),
    Attack("XSW4", xsw4, errors.AssertionCountInvalid),
    Attack("XSW5", xsw5, errors.AssertionCountInvalid),
    Attack("XSW6", xsw6, errors.AssertionCountInvalid),
    Attack("XSW7", xsw7, errors.AssertionCountInvalid),
    Attack("XSW8", xsw8, errors.AssertionCountInvalid),
    Attack("unsigned", lambda: tree(sign=None), SignatureMissing),
    Attack("signature-stripped", signature_stripped, SignatureMissing),
    Attack("foreign-key-cert-in-keyinfo", foreign_key_with_cert_in_key_info, SignatureUntrustedKey),
    Attack("digest-mismatch", digest_mismatch, DigestMismatch),
    Attack("response-signed-assertion-changed", response_signed_assertion_changed, DigestMismatch),
    Attack(
        "second-unsigned-assertion", second_unsigned_assertion_after, errors.AssertionCountInvalid
    ),
    Attack("unsigned-assertion-first", unsigned_assertion_first, errors.AssertionCountInvalid),
    Attack("assertion-in-advice", assertion_in_advice, errors.AssertionCountInvalid),
    Attack("assertion-in-extensions", assertion_in_extensions, errors.AssertionCountInvalid),
    Attack("duplicate-id", duplicate_id_elsewhere, DuplicateID),
    Attack("duplicate-id-lowercase", duplicate_id_lowercase, DuplicateID),
    Attack("look-alike-namespace", look_alike_namespace, errors.AssertionCountInvalid),
    Attack("empty-reference-uri", empty_reference_uri, SignatureReferenceInvalid),
    Attack("extra-transform", extra_transform, SignatureTransformForbidden),
    Attack("with-comments-transform", with_comments_transform, SignatureTransformForbidden),
    Attack("expired", tree, errors.AssertionExpired, now_offset=timedelta(hours=2)),
    Attack("not-yet-valid", tree, errors.AssertionNotYetValid, now_offset=-timedelta(minutes=10)),
    Attack(
        "wrong-audience",
        lambda: tree(audience="https://other.example/app"),
        errors.AudienceMismatch,
    ),
    Attack(
        "wrong-recipient",
        lambda: tree(recipient="https://evil.example/acs"),
        errors.RecipientMismatch,
    ),
    Attack(
        "wrong-destination",
        lambda: tree(destination="https://evil.example/acs"),
        errors.DestinationMismatch,
    ),
    Attack(
        "wrong-issuer", lambda: tree(issuer="https://sts.windows.net/evil/"), errors.IssuerMismatch
    ),
    Attack(
        "wrong-status",
        lambda: tree(status="urn:oasis:names:tc:SAML:2.0:status:Responder"),
        errors.StatusNotSuccess,
    ),
    Attack(
        "unsolicited",
        lambda: tree(in_response_to=None, subject_in_response_to=None),
        errors.UnsolicitedResponse,
    ),
    Attack(
        "in-response-to-mismatch", tree, errors.InResponseToMismatch, request_id="_other_request"
    ),
    Attack("dtd", with_prolog(b"<!DOCTYPE samlp:Response>"), xml_module.XMLForbiddenConstruct),
    Attack(
        "external-entity",
        with_entity_in_name_id(b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', b"&x;"),
        xml_module.XMLForbiddenConstruct,
    ),
    Attack(
        "entity-expansion",
        with_entity_in_name_id(
            b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
            b"&c;",
        ),
        xml_module.XMLForbiddenConstruct,
    ),
    Attack("deeply-nested", deeply_nested, xml_module.XMLTooDeep),
    Attack("not-base64", None, errors.ResponseNotBase64, raw="<samlp:Response/>"),
    Attack("not-xml", None, xml_module.XMLMalformed, raw=s.encode(b"this is not xml")),
    Attack("oversized-5mb", None, errors.ResponseTooLarge, raw="P" * (5 * 1024 * 1024)),
    Attack("sha1", sha1, SHA1Refused),
    Attack("signature-moved-to-response", signature_moved_to_response, SignatureReferenceInvalid),
    Attack("reference-id-in-another-case", reference_id_in_another_case, SignatureReferenceInvalid),
]


def run(attack: Attack):
    if attack.raw is not None:
        value = attack.raw
    else:
        built = attack.build()
        value = s.encode(built if isinstance(built, bytes) else etree.tostring(built))
    return validate_response(
        value,
        sp=s.SP,
        idp=s.idp_config(),
        expected=s.expected(attack.request_id),
        policy=attack.policy,
        now=s.NOW + attack.now_offset,
    )


def test_baseline_validates():
    """The unmodified fixture is accepted, so each refusal below is caused by its change alone."""
    for sign in ("assertion", "response", "both"):
        assert (
            run(Attack("baseline", lambda sign=sign: tree(sign=sign), type(None))).name_id
            == "alice@example.com"
        )


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_is_refused_with_its_own_error(attack):
    """Each named attack raises exactly the error class (and so the code) written beside it."""
    with pytest.raises(errors.SAMLError) as info:
        run(attack)
    assert type(info.value) is attack.refused_with, info.value.admin_message()
    assert info.value.code == attack.refused_with.code


def test_sha1_is_accepted_with_the_insecure_switch():
    """The same SHA-1 fixture passes when the provider is explicitly set to insecure_allow_sha1."""
    attack = Attack(
        "sha1-allowed", sha1, type(None), policy=ValidationPolicy(insecure_allow_sha1=True)
    )
    assert run(attack).name_id == "alice@example.com"


def test_comment_injection_cannot_truncate_the_name_id():
    """Duo 2018 (CVE-2017-11427 family): a comment inside a signed NameID changes nothing read."""
    root = tree(sign=None, name_id="admin@example.com.evil.test")
    assertion = assertion_of(root)
    name_id = assertion.find(f".//{{{SAML}}}NameID")
    s.sign_element(assertion, s.keypair())
    name_id.text = "admin@example.com"
    name_id.append(etree.Comment("injected"))
    name_id[-1].tail = ".evil.test"
    result = run(Attack("comment", lambda: root, type(None)))
    assert result.name_id == "admin@example.com.evil.test"


def test_comment_injection_in_attribute_values_reads_the_whole_value():
    """The same holds for attribute values: the signed text is read whole."""
    root = tree(sign=None, attributes={"role": ("user.evil.test",)})
    assertion = assertion_of(root)
    s.sign_element(assertion, s.keypair())
    value = assertion.find(f".//{{{SAML}}}AttributeValue")
    value.text = "user"
    value.append(etree.Comment("x"))
    value[-1].tail = ".evil.test"
    assert run(Attack("comment", lambda: root, type(None))).attributes["role"] == (
        "user.evil.test",
    )


# Defence in depth: even without the one-assertion rule, verifying the
# assertion a naive reader would pick refuses every XSW variant.
NAIVE_TARGET = {
    "XSW1": (lambda r: r, SignatureMalformed),
    "XSW2": (lambda r: r, SignatureReferenceInvalid),
    "XSW3": (lambda r: assertion_of(r), SignatureMissing),
    "XSW4": (lambda r: assertion_of(r), SignatureMissing),
    "XSW5": (lambda r: assertion_of(r), SignatureReferenceInvalid),
    "XSW6": (lambda r: assertion_of(r), SignatureMalformed),
    "XSW7": (lambda r: r.find(f"Extensions/{{{SAML}}}Assertion"), SignatureMissing),
    "XSW8": (lambda r: assertion_of(r), SignatureMalformed),
}


@pytest.mark.parametrize("name", sorted(NAIVE_TARGET))
def test_xsw_element_a_naive_reader_picks_does_not_verify(name):
    """The element an attacker wants read is never the one whose signature verifies."""
    root = etree.fromstring(etree.tostring(XSW[name]()))
    pick, refused_with = NAIVE_TARGET[name]
    with pytest.raises(refused_with):
        verify_signed_element(pick(root), s.idp_config().signing_certificates)


def test_xsw7_original_is_refused_for_its_twin_id():
    """In XSW7 the signed original shares its ID with the evil copy: the duplicate is refused."""
    root = etree.fromstring(etree.tostring(xsw7()))
    with pytest.raises(DuplicateID):
        verify_signed_element(assertion_of(root), s.idp_config().signing_certificates)


def test_random_corruption_only_ever_raises_saml_errors():
    """Whatever is posted, the result is an Assertion or a SAMLError: never another exception (no 5xx)."""
    import random

    rng = random.Random(20260115)
    for sign in ("assertion", "response", "both"):
        original = s.build_response(sign=sign)
        for _ in range(150):
            data = bytearray(original)
            for _ in range(rng.randint(1, 4)):
                position = rng.randrange(len(data))
                action = rng.random()
                if action < 0.5:
                    data[position] = rng.randrange(256)
                elif action < 0.8:
                    del data[position : position + rng.randint(1, 40)]
                else:
                    data[position:position] = rng.choice(
                        [b"<", b">", b"&", b'"', b"<!--", b"]]>", b"\x00", b"<a>"]
                    )
            try:
                run(Attack("fuzz", lambda data=data: bytes(data), type(None)))
            except errors.SAMLError:
                pass
