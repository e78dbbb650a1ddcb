"""HTTP-Redirect and HTTP-POST bindings for AuthnRequests (SAML Bindings 3.4, 3.5)."""

from __future__ import annotations

import base64
import shutil
import subprocess
import zlib
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from golden_files import assert_matches_golden
from lxml import etree
from sp_keys import (
    FIXED_NOW,
    SP_ENCRYPTION_KEY_PEM,
    SP_SIGNING_CERT_PEM,
    SP_SIGNING_KEY_PEM,
    entra_idp,
    public_key_pem,
    service_provider,
)

from ssoconsole.saml.authn_request import build_authn_request
from ssoconsole.saml.bindings import (
    MAX_RELAY_STATE_BYTES,
    SIG_RSA_SHA1,
    SIG_RSA_SHA384,
    SIG_RSA_SHA512,
    RedirectMessageUnreadable,
    RelayStateTooLong,
    SigningKeyUnusable,
    UnsupportedSignatureMethod,
    check_relay_state,
    decode_and_inflate,
    deflate_and_encode,
    post_form,
    redirect_query,
    redirect_url,
)
from ssoconsole.saml.config import SIG_RSA_SHA256, RequestSettings

SSO_URL = entra_idp().sso_url_redirect
RELAY_STATE = "rs_0123456789abcdef"
HASHES = {
    SIG_RSA_SHA1: hashes.SHA1,
    SIG_RSA_SHA256: hashes.SHA256,
    SIG_RSA_SHA384: hashes.SHA384,
    SIG_RSA_SHA512: hashes.SHA512,
}


def _request() -> bytes:
    return build_authn_request(
        sp=service_provider(),
        idp=entra_idp(),
        settings=RequestSettings(),
        request_id="_request-1",
        now=FIXED_NOW,
    )


def _raw_params(url: str) -> list[tuple[str, str]]:
    """Split the query into (name, still-URL-encoded value), as an IdP must (Bindings 3.4.4.1)."""
    return [tuple(part.split("=", 1)) for part in urlsplit(url).query.split("&")]


def _signed_octets(url: str) -> bytes:
    """Rebuild the signed string from the raw query values, in the order 3.4.4.1 prescribes."""
    raw = dict(_raw_params(url))
    names = [n for n in ("SAMLRequest", "RelayState", "SigAlg") if n in raw]
    return "&".join(f"{n}={raw[n]}" for n in names).encode("ascii")


def _verify(url: str, cert_pem: bytes = SP_SIGNING_CERT_PEM) -> None:
    raw = dict(_raw_params(url))
    signature = base64.b64decode(unquote(raw["Signature"]))
    algorithm = HASHES[unquote(raw["SigAlg"])]()
    public_key = x509.load_pem_x509_certificate(cert_pem).public_key()
    public_key.verify(signature, _signed_octets(url), padding.PKCS1v15(), algorithm)


def test_signed_redirect_url_matches_golden_file():
    """The signed redirect URL (deflated request, RelayState, SigAlg, Signature) is pinned."""
    url = redirect_url(SSO_URL, _request(), RELAY_STATE, sign_with=SP_SIGNING_KEY_PEM)
    assert_matches_golden("redirect-url-signed.txt", url.encode("ascii") + b"\n")


def test_request_is_raw_deflate_then_base64():
    """SAML Bindings 3.4.4.1: DEFLATE without zlib header (RFC 1951), then base64."""
    encoded = deflate_and_encode(b"<x/>")
    data = base64.b64decode(encoded)
    with pytest.raises(zlib.error):
        zlib.decompress(data)  # a zlib (RFC 1950) header would make this succeed
    assert zlib.decompress(data, -15) == b"<x/>"


def test_redirect_url_round_trips_to_the_request_xml():
    """The IdP inflates exactly the XML the SP built."""
    url = redirect_url(SSO_URL, _request(), RELAY_STATE)
    value = parse_qs(urlsplit(url).query)["SAMLRequest"][0]
    assert decode_and_inflate(value) == _request()


def test_unsigned_redirect_has_no_sigalg_or_signature():
    """Without a signing key the query carries only SAMLRequest and RelayState."""
    url = redirect_url(SSO_URL, _request(), RELAY_STATE)
    assert [name for name, _ in _raw_params(url)] == ["SAMLRequest", "RelayState"]


def test_signed_query_parameters_come_in_the_prescribed_order():
    """SAML Bindings 3.4.4.1: SAMLRequest, RelayState, SigAlg, then Signature."""
    url = redirect_url(SSO_URL, _request(), RELAY_STATE, sign_with=SP_SIGNING_KEY_PEM)
    assert [name for name, _ in _raw_params(url)] == [
        "SAMLRequest",
        "RelayState",
        "SigAlg",
        "Signature",
    ]


def test_signature_verifies_over_the_exact_query_octets():
    """The signature checks with the SP certificate over SAMLRequest=..&RelayState=..&SigAlg=.."""
    _verify(redirect_url(SSO_URL, _request(), RELAY_STATE, sign_with=SP_SIGNING_KEY_PEM))


def test_signature_covers_the_relay_state():
    """Changing RelayState after signing breaks the signature (it is in the signed string)."""
    url = redirect_url(SSO_URL, _request(), RELAY_STATE, sign_with=SP_SIGNING_KEY_PEM)
    with pytest.raises(InvalidSignature):
        _verify(url.replace(f"RelayState={RELAY_STATE}", "RelayState=other"))


def test_relay_state_is_omitted_when_absent_and_not_signed_as_empty():
    """SAML Bindings 3.4.4.1: without RelayState the signed string is SAMLRequest=..&SigAlg=.."""
    url = redirect_url(SSO_URL, _request(), None, sign_with=SP_SIGNING_KEY_PEM)
    assert [name for name, _ in _raw_params(url)] == ["SAMLRequest", "SigAlg", "Signature"]
    assert b"RelayState" not in _signed_octets(url)
    _verify(url)


def test_values_are_url_encoded_in_the_url_and_in_the_signed_string():
    """Base64 '+', '/', '=' and RelayState specials are percent-encoded, the same in both."""
    relay = "a b&c=d/é"
    url = redirect_url(SSO_URL, _request(), relay, sign_with=SP_SIGNING_KEY_PEM)
    raw = dict(_raw_params(url))
    assert raw["RelayState"] == "a%20b%26c%3Dd%2F%C3%A9"
    assert raw["SigAlg"] == "http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256"
    assert not set("+/=") & set(raw["SAMLRequest"] + raw["Signature"])
    assert parse_qs(urlsplit(url).query)["RelayState"] == [relay]
    _verify(url)


def test_existing_query_of_the_sso_url_is_kept_and_not_signed():
    """An SSO URL with ?tenant=... keeps it; only the protocol parameters are signed."""
    url = redirect_url(
        SSO_URL + "?whr=example.test", _request(), RELAY_STATE, sign_with=SP_SIGNING_KEY_PEM
    )
    assert url.startswith(SSO_URL + "?whr=example.test&SAMLRequest=")
    assert not _signed_octets(url).startswith(b"whr")
    _verify(url)


def test_sso_url_that_already_carries_protocol_parameters_is_refused():
    """A second SAMLRequest or Signature in the URL would make the message ambiguous."""
    with pytest.raises(ValueError):
        redirect_url(SSO_URL + "?SAMLRequest=x", _request(), None)


def test_sso_url_that_is_not_http_is_refused():
    """The browser is sent to this URL; only absolute http(s) URLs are acceptable."""
    with pytest.raises(ValueError):
        redirect_url("javascript:alert(1)", _request(), None)


@pytest.mark.parametrize("method", [SIG_RSA_SHA1, SIG_RSA_SHA256, SIG_RSA_SHA384, SIG_RSA_SHA512])
def test_configured_signature_method_is_used_and_named_in_sigalg(method):
    """The signature method is configurable; SigAlg names it and the matching hash is used."""
    url = redirect_url(
        SSO_URL, _request(), RELAY_STATE, sign_with=SP_SIGNING_KEY_PEM, signature_method=method
    )
    assert unquote(dict(_raw_params(url))["SigAlg"]) == method
    _verify(url)


def test_default_signature_method_is_rsa_sha256():
    """RSA-SHA256 is the default: the only method Entra ID accepts for signed requests."""
    url = redirect_url(SSO_URL, _request(), None, sign_with=SP_SIGNING_KEY_PEM)
    assert unquote(dict(_raw_params(url))["SigAlg"]) == SIG_RSA_SHA256


def test_unknown_signature_method_is_refused():
    """An algorithm URI we cannot sign with is refused rather than mislabelled."""
    with pytest.raises(UnsupportedSignatureMethod) as info:
        redirect_url(
            SSO_URL,
            _request(),
            None,
            sign_with=SP_SIGNING_KEY_PEM,
            signature_method="http://www.w3.org/2000/09/xmldsig#dsa-sha1",
        )
    assert info.value.code == "saml.signature_method_unsupported"


def test_signature_is_not_made_with_another_key():
    """Verification with a different certificate fails: the SP key really signed it."""
    from sp_keys import SP_ENCRYPTION_CERT_PEM

    url = redirect_url(SSO_URL, _request(), RELAY_STATE, sign_with=SP_SIGNING_KEY_PEM)
    with pytest.raises(InvalidSignature):
        _verify(url, SP_ENCRYPTION_CERT_PEM)
    _verify(
        redirect_url(SSO_URL, _request(), RELAY_STATE, sign_with=SP_ENCRYPTION_KEY_PEM),
        SP_ENCRYPTION_CERT_PEM,
    )


def test_non_rsa_signing_key_is_refused():
    """The Redirect binding signature here is RSA; an EC key is reported, not misused."""
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(SigningKeyUnusable):
        redirect_url(SSO_URL, _request(), None, sign_with=ec_pem)


def test_unreadable_signing_key_is_refused():
    """A corrupted key is a configuration error with its own code."""
    with pytest.raises(SigningKeyUnusable) as info:
        redirect_url(SSO_URL, _request(), None, sign_with=b"not a key")
    assert info.value.code == "saml.sp_signing_key_unusable"


def test_openssl_command_line_verifies_the_redirect_signature(tmp_path):
    """An independent implementation (OpenSSL's CLI) accepts the signature over the same octets.

    xmlsec1 verifies XML signatures only; the Redirect binding signs a query
    string, so the OpenSSL command line is the independent check here.
    """
    assert shutil.which("openssl"), (
        "the openssl command is needed: apt-get install -y openssl (./run test does)"
    )
    url = redirect_url(SSO_URL, _request(), RELAY_STATE, sign_with=SP_SIGNING_KEY_PEM)
    (tmp_path / "data").write_bytes(_signed_octets(url))
    (tmp_path / "sig").write_bytes(base64.b64decode(unquote(dict(_raw_params(url))["Signature"])))
    (tmp_path / "pub.pem").write_bytes(public_key_pem(SP_SIGNING_CERT_PEM))
    result = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig", "data"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0 and "Verified OK" in result.stdout, result.stdout + result.stderr


def test_relay_state_of_80_bytes_is_accepted():
    """SAML Bindings 3.4.3: RelayState MUST NOT exceed 80 bytes; 80 is allowed."""
    check_relay_state("x" * MAX_RELAY_STATE_BYTES)
    redirect_url(SSO_URL, _request(), "x" * 80)


def test_relay_state_over_80_bytes_is_refused():
    """SAML Bindings 3.4.3: 81 bytes is refused before anything is sent."""
    with pytest.raises(RelayStateTooLong) as info:
        redirect_url(SSO_URL, _request(), "x" * 81)
    assert info.value.code == "saml.relay_state_too_long"


def test_relay_state_length_is_counted_in_utf8_bytes():
    """The limit is in bytes, not characters: 41 two-byte characters are 82 bytes."""
    with pytest.raises(RelayStateTooLong):
        check_relay_state("é" * 41)
    check_relay_state("é" * 40)


def test_post_form_carries_the_request_base64_without_deflate():
    """SAML Bindings 3.5.4: the POSTed request is base64 of the XML, not deflated."""
    form = post_form("https://idp.example.test/post", _request(), RELAY_STATE)
    assert form.action == "https://idp.example.test/post"
    assert base64.b64decode(form.fields["SAMLRequest"]) == _request()
    assert form.fields["RelayState"] == RELAY_STATE


def test_post_form_omits_absent_relay_state_and_checks_its_length():
    """SAML Bindings 3.5.3: RelayState is optional and at most 80 bytes."""
    assert set(post_form(SSO_URL, _request(), None).fields) == {"SAMLRequest"}
    with pytest.raises(RelayStateTooLong):
        post_form(SSO_URL, _request(), "x" * 81)


def test_inflating_is_capped():
    """A DEFLATE bomb is refused instead of filling memory."""
    bomb = deflate_and_encode(b"\0" * (1024 * 1024))
    with pytest.raises(RedirectMessageUnreadable) as info:
        decode_and_inflate(bomb, max_bytes=64 * 1024)
    assert "beyond 65536 bytes" in info.value.detail
    assert decode_and_inflate(bomb, max_bytes=1024 * 1024) == b"\0" * (1024 * 1024)


@pytest.mark.parametrize(
    "value",
    [
        "not base64!",
        base64.b64encode(b"plain text").decode(),
        deflate_and_encode(b"<x/>" * 100)[:12],
    ],
)
def test_unreadable_redirect_message_is_refused(value):
    """Values that are not base64, not DEFLATE, or truncated get their own error."""
    with pytest.raises(RedirectMessageUnreadable):
        decode_and_inflate(value)


def test_redirect_query_alone_is_the_same_string_the_url_carries():
    """redirect_query is the query part of redirect_url, for callers that build URLs elsewhere."""
    query = redirect_query(_request(), RELAY_STATE, sign_with=SP_SIGNING_KEY_PEM)
    assert (
        redirect_url(SSO_URL, _request(), RELAY_STATE, sign_with=SP_SIGNING_KEY_PEM)
        == f"{SSO_URL}?{query}"
    )


# --- HTTP-POST with an enveloped signature (SAML Bindings 3.5.4.1, Core 5.4) ------------------


def _signed_post_request(**options) -> bytes:
    form = post_form(
        SSO_URL,
        _request(),
        RELAY_STATE,
        sign_with=SP_SIGNING_KEY_PEM,
        certificate=SP_SIGNING_CERT_PEM,
        **options,
    )
    return base64.b64decode(form.fields["SAMLRequest"])


def test_signed_post_request_verifies_with_the_core_verifier():
    """The enveloped signature passes the strict SAML profile the response validator enforces."""
    from sp_keys import der

    from ssoconsole.saml.xmldsig import verify_signed_element

    signed = etree.fromstring(_signed_post_request())
    covered = verify_signed_element(signed, [der(SP_SIGNING_CERT_PEM)])

    def exc_c14n(element):
        return etree.tostring(element, method="c14n", exclusive=True)

    assert exc_c14n(covered) == exc_c14n(etree.fromstring(_request()))


def test_xmlsec1_command_line_verifies_the_signed_post_request(tmp_path):
    """An independent implementation (xmlsec1) accepts the enveloped request signature."""
    assert shutil.which("xmlsec1"), (
        "the xmlsec1 command is needed: apt-get install -y xmlsec1 (./run test does)"
    )
    (tmp_path / "request.xml").write_bytes(_signed_post_request())
    (tmp_path / "cert.pem").write_bytes(SP_SIGNING_CERT_PEM)
    command = [
        "xmlsec1",
        "--verify",
        "--pubkey-cert-pem",
        "cert.pem",
        "--id-attr:ID",
        "urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest",
        "request.xml",
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    tampered = _signed_post_request().replace(b'AllowCreate="true"', b'AllowCreate="false"')
    (tmp_path / "request.xml").write_bytes(tampered)
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0


def test_signed_post_request_follows_the_saml_signature_profile():
    """SAML Core 5.4: one Reference to the root ID, enveloped + exc-c14n, signature after Issuer."""
    root = etree.fromstring(_signed_post_request())
    ds = {"ds": "http://www.w3.org/2000/09/xmldsig#"}
    assert (
        etree.QName(root[1]).localname == "Signature" and etree.QName(root[0]).localname == "Issuer"
    )
    (reference,) = root.findall("ds:Signature/ds:SignedInfo/ds:Reference", ds)
    assert reference.get("URI") == "#_request-1"
    assert [t.get("Algorithm") for t in reference.iterfind("ds:Transforms/ds:Transform", ds)] == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
    ]
    assert root.find("ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", ds) is not None


def test_signed_post_request_is_valid_against_the_protocol_schema():
    """The signature sits where saml-schema-protocol-2.0.xsd allows it."""
    from saml_schemas import PROTOCOL_XSD, assert_schema_valid

    assert_schema_valid(_signed_post_request(), PROTOCOL_XSD)


@pytest.mark.parametrize(
    "method,digest",
    [
        (SIG_RSA_SHA512, "http://www.w3.org/2001/04/xmlenc#sha512"),
        (SIG_RSA_SHA384, "http://www.w3.org/2001/04/xmldsig-more#sha384"),
    ],
)
def test_signed_post_request_uses_the_configured_methods(method, digest):
    """Signature and digest methods are configurable, as the provider's request settings say."""
    from sp_keys import der

    from ssoconsole.saml.xmldsig import verify_signed_element

    xml = _signed_post_request(signature_method=method, digest_method=digest)
    root = etree.fromstring(xml)
    ds = {"ds": "http://www.w3.org/2000/09/xmldsig#"}
    assert root.find(".//ds:SignatureMethod", ds).get("Algorithm") == method
    assert root.find(".//ds:DigestMethod", ds).get("Algorithm") == digest
    verify_signed_element(root, [der(SP_SIGNING_CERT_PEM)])


def test_unknown_digest_method_is_refused():
    """A digest URI we do not implement is refused rather than mislabelled."""
    with pytest.raises(UnsupportedSignatureMethod):
        _signed_post_request(digest_method="http://www.w3.org/2001/04/xmldsig-more#md5")


def test_signed_post_request_matches_golden_file():
    """The POSTed, enveloped-signed request is pinned byte for byte."""
    assert_matches_golden("authn-request-post-signed.xml", _signed_post_request() + b"\n")
