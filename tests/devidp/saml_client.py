"""A tiny test-only SAML service provider for driving the dev IdP.

Written from the specs for these tests and independent of both the dev IdP
and ``ssoconsole.saml``: it builds AuthnRequests, encodes them for either
binding, reads the auto-post form, and verifies signatures with signxml's
XMLVerifier and with Debian's ``xmlsec1``.
"""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import subprocess
import tempfile
import uuid
import zlib
from pathlib import Path

import lxml.html
from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"samlp": SAMLP, "saml": SAML, "ds": DS, "md": "urn:oasis:names:tc:SAML:2.0:metadata"}

SP_ENTITY_ID = "https://sp.example.test/5e5c0c0e-0000-4000-8000-00000000de30"
SP_ACS = "https://sp.example.test/sso/5e5c0c0e-0000-4000-8000-00000000de30/acs"
SP_SIGN_ON = "https://sp.example.test/login"


def authn_request(
    *,
    issuer: str = SP_ENTITY_ID,
    acs_url: str | None = SP_ACS,
    request_id: str | None = None,
    force_authn: bool = False,
    is_passive: bool = False,
    name_id_format: str | None = None,
    comparison: str | None = None,
    class_refs: tuple[str, ...] = (),
    subject: str | None = None,
) -> tuple[str, bytes]:
    """Return (ID, XML) of an AuthnRequest as an SP like ssoconsole would send it."""
    request_id = request_id or f"id-{uuid.uuid4().hex}"
    root = etree.Element(f"{{{SAMLP}}}AuthnRequest", nsmap={"samlp": SAMLP, "saml": SAML})
    root.set("ID", request_id)
    root.set("Version", "2.0")
    root.set("IssueInstant", dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    root.set("ProtocolBinding", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
    if acs_url is not None:
        root.set("AssertionConsumerServiceURL", acs_url)
    if force_authn:
        root.set("ForceAuthn", "true")
    if is_passive:
        root.set("IsPassive", "true")
    etree.SubElement(root, f"{{{SAML}}}Issuer").text = issuer
    if subject is not None:
        s = etree.SubElement(root, f"{{{SAML}}}Subject")
        etree.SubElement(s, f"{{{SAML}}}NameID").text = subject
    if name_id_format is not None:
        etree.SubElement(
            root, f"{{{SAMLP}}}NameIDPolicy", Format=name_id_format, AllowCreate="true"
        )
    if comparison is not None or class_refs:
        ctx = etree.SubElement(root, f"{{{SAMLP}}}RequestedAuthnContext")
        if comparison is not None:
            ctx.set("Comparison", comparison)
        for ref in class_refs:
            etree.SubElement(ctx, f"{{{SAML}}}AuthnContextClassRef").text = ref
    return request_id, etree.tostring(root)


def redirect_encode(xml: bytes) -> str:
    """SAML Bindings 3.4.4.1: raw DEFLATE, then base64."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(compressor.compress(xml) + compressor.flush()).decode()


def post_encode(xml: bytes) -> str:
    return base64.b64encode(xml).decode()


def read_autopost(html: bytes) -> dict[str, str]:
    """Return the action and fields of the auto-submitting form."""
    doc = lxml.html.fromstring(html)
    (form,) = doc.xpath("//form[@id='saml-post']")
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    fields["action"] = form.get("action")
    assert form.get("method").lower() == "post"
    return fields


def read_signin_form(html: bytes) -> dict[str, str]:
    """Return the hidden fields of the IdP's sign-in form."""
    doc = lxml.html.fromstring(html)
    (form,) = doc.xpath("//form[.//input[@name='ctx']]")
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    fields["action"] = form.get("action")
    return fields


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))


def verify_with_signxml(
    element: etree._Element, cert_pem: str, *, sha1: bool = False
) -> etree._Element:
    """Verify the first signature inside ``element`` against ``cert_pem`` and return what it signed."""
    config = SignatureConfiguration(
        expect_references=1,
        signature_methods=frozenset(
            [SignatureMethod.RSA_SHA1 if sha1 else SignatureMethod.RSA_SHA256]
        ),
        digest_algorithms=frozenset([DigestAlgorithm.SHA1 if sha1 else DigestAlgorithm.SHA256]),
    )
    result = XMLVerifier().verify(
        etree.tostring(element), x509_cert=cert_pem, id_attribute="ID", expect_config=config
    )
    return result.signed_xml


XMLSEC1 = shutil.which("xmlsec1")


def verify_with_xmlsec1(
    xml: bytes, cert_pem: str, *, id_attrs: tuple[str, ...]
) -> subprocess.CompletedProcess:
    """Run ``xmlsec1 --verify`` on ``xml`` with ``cert_pem`` as the only trusted key."""
    with tempfile.TemporaryDirectory() as tmp:
        cert = Path(tmp, "cert.pem")
        cert.write_text(cert_pem)
        doc = Path(tmp, "doc.xml")
        doc.write_bytes(xml)
        args = [
            XMLSEC1,
            "--verify",
            "--pubkey-cert-pem",
            str(cert),
            "--enabled-key-data",
            "key-name",
        ]
        for id_attr in id_attrs:
            args += ["--id-attr:ID", id_attr]
        return subprocess.run(args + [str(doc)], capture_output=True, text=True, timeout=30)
