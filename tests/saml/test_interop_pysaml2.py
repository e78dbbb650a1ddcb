"""Interoperability with pysaml2 acting as the identity provider.

Our own fixtures can only show that the SP agrees with itself. pysaml2 is an
IdP nobody on this project wrote, signing with Debian's ``xmlsec1``: if it
accepts the AuthnRequests we build (SAML Core 3.4.1, Bindings 3.4.4.1) and
we accept the Responses it signs (Profiles 4.1.4), the two readings of the
specifications meet. The IdentityProvider used for validation is always the
one parsed from pysaml2's own metadata, as it would be in production.

pysaml2 stamps its messages with the system clock, so ``now`` for our
validation is taken from the Response's IssueInstant rather than fixed.
"""

from __future__ import annotations

import base64
import dataclasses
import secrets
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pysaml2_idp import (  # noqa: E402 - the helper lives beside this file
    AC_PASSWORD,
    AES128_CBC,
    AES128_GCM,
    AES256_CBC,
    AES256_GCM,
    BINDING_POST,
    TRIPLE_DES_CBC,
    KeyPair,
    PysamlIdP,
    User,
    require_xmlsec1,
    serve_idp,
)

from ssoconsole.saml import errors  # noqa: E402
from ssoconsole.saml.authn_request import build_authn_request, new_request_id  # noqa: E402
from ssoconsole.saml.bindings import post_form, redirect_query, redirect_url  # noqa: E402
from ssoconsole.saml.config import (  # noqa: E402
    NAMEID_EMAIL,
    NAMEID_PERSISTENT,
    Expected,
    IdentityProvider,
    RequestSettings,
    ServiceProvider,
    ValidationPolicy,
)
from ssoconsole.saml.encryption import EncryptionAlgorithmUnsupported  # noqa: E402
from ssoconsole.saml.metadata import parse_idp_metadata  # noqa: E402
from ssoconsole.saml.response import validate_response  # noqa: E402
from ssoconsole.saml.sp_metadata import build_sp_metadata  # noqa: E402
from ssoconsole.saml.xmldsig import SignatureUntrustedKey  # noqa: E402

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
RELAY_STATE = "rs-" + "0123456789abcdef" * 2

# pysaml2 7.5.5 touches a cipher mode that cryptography 48 has moved; the
# warning is about pysaml2's import, not about anything these tests check.
pytestmark = pytest.mark.filterwarnings("ignore:CFB has been moved")


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def xmlsec1() -> str:
    """Fail every interop test, not skip it, when Debian's xmlsec1 is missing."""
    return require_xmlsec1()


@pytest.fixture(scope="session")
def sp_keys() -> KeyPair:
    return KeyPair.generate("ssoconsole interop SP")


@pytest.fixture(scope="session")
def sp(sp_keys: KeyPair) -> ServiceProvider:
    return ServiceProvider(
        entity_id="https://console.example.test/saml/acme/metadata",
        acs_url="https://console.example.test/saml/acme/acs",
        signing_key_pem=sp_keys.key_pem,
        signing_cert_pem=sp_keys.cert_pem,
    )


@pytest.fixture(scope="session")
def other_sp() -> ServiceProvider:
    """A second tenant the same IdP serves: its assertions must not open our door."""
    return ServiceProvider(
        entity_id="https://console.example.test/saml/globex/metadata",
        acs_url="https://console.example.test/saml/globex/acs",
    )


@pytest.fixture(scope="session")
def idp_keys() -> KeyPair:
    return KeyPair.generate("pysaml2 interop IdP")


def _make_idp(tmp_path_factory, sp, other_sp, idp_keys, *, signed_requests: bool) -> PysamlIdP:
    return PysamlIdP(
        workdir=tmp_path_factory.mktemp("pysaml2-idp"),
        sp_metadata=[
            build_sp_metadata(sp, sign_requests=signed_requests),
            build_sp_metadata(other_sp, sign_requests=False),
        ],
        keys=idp_keys,
        want_authn_requests_signed=signed_requests,
    )


@pytest.fixture(scope="session")
def idp(xmlsec1, tmp_path_factory, sp, other_sp, idp_keys) -> PysamlIdP:
    """pysaml2 IdP that takes unsigned requests and signs the assertion (Entra's default)."""
    return _make_idp(tmp_path_factory, sp, other_sp, idp_keys, signed_requests=False)


@pytest.fixture(scope="session")
def strict_idp(xmlsec1, tmp_path_factory, sp, other_sp, idp_keys) -> PysamlIdP:
    """pysaml2 IdP that refuses AuthnRequests without a valid redirect signature."""
    return _make_idp(tmp_path_factory, sp, other_sp, idp_keys, signed_requests=True)


@pytest.fixture(scope="session")
def trusted_idp(idp: PysamlIdP) -> IdentityProvider:
    """What our SP trusts: pysaml2's metadata, read by our parser only."""
    return parse_idp_metadata(idp.metadata_xml(), now=datetime.now(UTC)).identity_provider()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _request(sp, trusted_idp, settings=RequestSettings(), *, binding=None) -> tuple[str, bytes]:
    request_id = new_request_id(secrets.token_bytes)
    kwargs = {"binding": binding} if binding else {}
    xml = build_authn_request(
        sp=sp, idp=trusted_idp, settings=settings, request_id=request_id, now=_utcnow(), **kwargs
    )
    return request_id, xml


def _issue_instant(saml_response_b64: str) -> datetime:
    """Read the Response's IssueInstant, the clock our validation runs at."""
    root = etree.fromstring(base64.b64decode(saml_response_b64))
    return datetime.strptime(root.get("IssueInstant"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _validate(value: str, *, sp, trusted_idp, request_id, policy=ValidationPolicy()):
    return validate_response(
        value,
        sp=sp,
        idp=trusted_idp,
        expected=Expected(request_id=request_id),
        policy=policy,
        now=_issue_instant(value) + timedelta(seconds=2),
    )


# --- metadata -------------------------------------------------------------------------------


def test_pysaml2_idp_metadata_parses_into_the_trusted_configuration(idp: PysamlIdP) -> None:
    """pysaml2's metadata (algsupport extensions, KeyDescriptor use=signing) parses with our parser."""
    metadata = parse_idp_metadata(idp.metadata_xml(), now=_utcnow())
    assert metadata.entity_id == idp.entity_id
    assert metadata.sso_url_redirect == idp.sso_url_redirect
    assert metadata.sso_url_post == idp.sso_url_post
    assert metadata.signing_certificates == (idp.keys.cert_der,)
    assert NAMEID_EMAIL in metadata.name_id_formats
    trusted = metadata.identity_provider()
    assert trusted.entity_id == idp.entity_id
    assert trusted.signing_certificates == (idp.keys.cert_der,)


def test_pysaml2_signed_metadata_verifies_with_the_idp_certificate(idp: PysamlIdP) -> None:
    """Metadata signed by pysaml2 (xmlsec1, RSA-SHA256) passes our metadata signature check (SAML Metadata 3.1)."""
    metadata = parse_idp_metadata(
        idp.metadata_xml(signed=True, valid_hours=24),
        now=_utcnow(),
        trusted_certificates=[idp.keys.cert_der],
    )
    assert metadata.signature_verified
    assert metadata.entity_id == idp.entity_id
    assert metadata.valid_until is not None and metadata.valid_until > _utcnow()
    assert metadata.signing_certificates == (idp.keys.cert_der,)


def test_pysaml2_signed_metadata_is_refused_with_another_trusted_certificate(
    idp: PysamlIdP, sp_keys
) -> None:
    """The metadata signature check is real: a certificate that did not sign it does not verify it."""
    from ssoconsole.saml.metadata import MetadataError

    with pytest.raises(MetadataError) as raised:
        parse_idp_metadata(
            idp.metadata_xml(signed=True), now=_utcnow(), trusted_certificates=[sp_keys.cert_der]
        )
    assert raised.value.code.startswith("saml.")


def test_pysaml2_strict_idp_metadata_says_it_wants_signed_requests(strict_idp: PysamlIdP) -> None:
    """WantAuthnRequestsSigned from pysaml2 reaches our metadata reader."""
    assert parse_idp_metadata(strict_idp.metadata_xml(), now=_utcnow()).want_authn_requests_signed


# --- AuthnRequests --------------------------------------------------------------------------


def test_redirect_authn_request_is_accepted_by_pysaml2(idp, sp, trusted_idp) -> None:
    """Our DEFLATE + base64 + URL-encoded request (Bindings 3.4.4.1) is read by pysaml2 as sent."""
    request_id, xml = _request(sp, trusted_idp)
    received = idp.parse_authn_request(redirect_query(xml, RELAY_STATE))
    assert received.id == request_id
    assert received.issuer == sp.entity_id
    assert received.acs_url == sp.acs_url
    assert received.protocol_binding == BINDING_POST
    assert received.destination == idp.sso_url_redirect
    assert received.name_id_format == NAMEID_EMAIL
    assert received.allow_create is True
    assert received.force_authn is False
    assert received.requested_authn_context == ()
    assert received.relay_state == RELAY_STATE


def test_redirect_url_with_requested_context_and_force_authn_is_accepted(
    idp, sp, trusted_idp
) -> None:
    """RequestedAuthnContext (exact Password) and ForceAuthn survive the full redirect URL."""
    settings = RequestSettings(
        authn_context_class_ref=AC_PASSWORD, authn_context_comparison="exact", force_authn=True
    )
    request_id, xml = _request(sp, trusted_idp, settings)
    url = redirect_url(trusted_idp.sso_url_redirect, xml, RELAY_STATE)
    assert url.startswith(idp.sso_url_redirect + "?")
    received = idp.parse_authn_request(urlsplit(url).query)
    assert received.id == request_id
    assert received.requested_authn_context == (AC_PASSWORD,)
    assert received.comparison == "exact"
    assert received.force_authn is True


@pytest.mark.parametrize(
    ("settings", "name_id_format", "allow_create", "context", "comparison"),
    [
        (RequestSettings(name_id_format=None), None, True, (), None),
        (
            RequestSettings(name_id_format=NAMEID_PERSISTENT, allow_create=False),
            NAMEID_PERSISTENT,
            False,
            (),
            None,
        ),
        (
            RequestSettings(
                authn_context_class_ref=AC_PASSWORD, authn_context_comparison="minimum"
            ),
            NAMEID_EMAIL,
            True,
            (AC_PASSWORD,),
            "minimum",
        ),
    ],
    ids=["no-format", "persistent-no-create", "context-minimum"],
)
def test_request_settings_reach_pysaml2_as_configured(
    idp, sp, trusted_idp, settings, name_id_format, allow_create, context, comparison
) -> None:
    """Each "Set SAML attributes for SSO" choice arrives at the IdP as the administrator set it."""
    request_id, xml = _request(sp, trusted_idp, settings)
    received = idp.parse_authn_request(redirect_query(xml, None))
    assert received.id == request_id
    assert received.name_id_format == name_id_format
    assert received.allow_create is allow_create
    assert received.requested_authn_context == context
    assert received.comparison == comparison


def test_post_authn_request_is_accepted_by_pysaml2(idp, sp, trusted_idp) -> None:
    """The HTTP-POST alternative (Bindings 3.5.4) is read by pysaml2 too."""
    request_id, xml = _request(sp, trusted_idp, binding=BINDING_POST)
    form = post_form(trusted_idp.sso_url_post, xml, RELAY_STATE)
    received = idp.parse_authn_request(form.fields, binding=BINDING_POST)
    assert received.id == request_id
    assert received.destination == idp.sso_url_post


def test_signed_redirect_request_is_accepted_by_an_idp_that_requires_signatures(
    strict_idp, sp, trusted_idp
) -> None:
    """pysaml2 verifies our RSA-SHA256 query-string signature with the key from our SP metadata."""
    request_id, xml = _request(sp, trusted_idp, RequestSettings(sign_requests=True))
    query = redirect_query(xml, RELAY_STATE, sign_with=sp.signing_key_pem)
    received = strict_idp.parse_authn_request(query)
    assert received.id == request_id
    assert received.signed_redirect


def test_signed_redirect_request_without_relay_state_is_accepted(
    strict_idp, sp, trusted_idp
) -> None:
    """The signed octets leave RelayState out entirely when there is none (Bindings 3.4.4.1)."""
    request_id, xml = _request(sp, trusted_idp, RequestSettings(sign_requests=True))
    received = strict_idp.parse_authn_request(
        redirect_query(xml, None, sign_with=sp.signing_key_pem)
    )
    assert received.id == request_id
    assert received.relay_state is None


def test_pysaml2_refuses_our_signed_request_when_relay_state_is_changed(
    strict_idp, sp, trusted_idp
) -> None:
    """The acceptance above is meaningful: pysaml2 does check the signature it accepted."""
    from saml2.request import IncorrectlySigned

    _, xml = _request(sp, trusted_idp, RequestSettings(sign_requests=True))
    query = redirect_query(xml, RELAY_STATE, sign_with=sp.signing_key_pem)
    tampered = query.replace(f"RelayState={RELAY_STATE}", "RelayState=rs-attacker")
    assert tampered != query
    with pytest.raises(IncorrectlySigned):
        strict_idp.parse_authn_request(tampered)


def test_pysaml2_refuses_an_unsigned_request_when_it_requires_signatures(
    strict_idp, sp, trusted_idp
) -> None:
    """Without SigAlg and Signature an IdP that wants signed requests says no."""
    from saml2.request import IncorrectlySigned

    _, xml = _request(sp, trusted_idp)
    with pytest.raises(IncorrectlySigned):
        strict_idp.parse_authn_request(redirect_query(xml, RELAY_STATE))


# --- Responses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sign_response", "sign_assertion"),
    [(False, True), (True, False), (True, True)],
    ids=["assertion-signed", "response-signed", "both-signed"],
)
def test_pysaml2_sha256_response_validates(
    idp, sp, trusted_idp, sign_response, sign_assertion
) -> None:
    """A pysaml2 response to our request validates whichever element pysaml2 signed."""
    request_id, xml = _request(sp, trusted_idp)
    received = idp.parse_authn_request(redirect_query(xml, RELAY_STATE))
    value = idp.respond_b64(
        in_response_to=received.id,
        sp_entity_id=received.issuer,
        acs_url=received.acs_url,
        sign_response=sign_response,
        sign_assertion=sign_assertion,
    )
    assertion = _validate(value, sp=sp, trusted_idp=trusted_idp, request_id=request_id)
    user = idp.user
    assert assertion.name_id == user.email
    assert assertion.name_id_format == NAMEID_EMAIL
    assert assertion.issuer == idp.entity_id
    assert assertion.in_response_to == request_id
    assert assertion.session_index
    assert assertion.authn_context_class_ref == AC_PASSWORD
    assert assertion.first(CLAIMS + "givenname") == user.given_name
    assert assertion.first(CLAIMS + "surname") == user.surname
    assert assertion.first(CLAIMS + "emailaddress") == user.email
    assert assertion.not_on_or_after > _issue_instant(value)


def test_pysaml2_response_signed_only_is_refused_when_policy_demands_a_signed_assertion(
    idp, sp, trusted_idp
) -> None:
    """require_signed_assertion turns the response-only signature pysaml2 can send into a refusal."""
    request_id, xml = _request(sp, trusted_idp)
    value = idp.respond_b64(
        in_response_to=request_id,
        sp_entity_id=sp.entity_id,
        acs_url=sp.acs_url,
        sign_response=True,
        sign_assertion=False,
    )
    with pytest.raises(errors.AssertionSignatureRequired):
        _validate(
            value,
            sp=sp,
            trusted_idp=trusted_idp,
            request_id=request_id,
            policy=ValidationPolicy(require_signed_assertion=True),
        )


def test_multi_valued_claims_from_pysaml2_keep_every_value(idp, sp, trusted_idp) -> None:
    """Group-like claims arrive with all their values, in order."""
    groups = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
    user = User(extra={groups: ["admins", "auditors", "everyone"]})
    request_id, _ = _request(sp, trusted_idp)
    value = idp.respond_b64(
        in_response_to=request_id, sp_entity_id=sp.entity_id, acs_url=sp.acs_url, user=user
    )
    assertion = _validate(value, sp=sp, trusted_idp=trusted_idp, request_id=request_id)
    assert assertion.attributes[groups] == ("admins", "auditors", "everyone")


def test_pysaml2_response_for_another_sp_is_refused_for_its_audience(
    idp, sp, other_sp, trusted_idp
) -> None:
    """An assertion whose Audience is another tenant's entity ID is refused (SAML Core 2.5.1.4)."""
    request_id, _ = _request(sp, trusted_idp)
    value = idp.respond_b64(
        in_response_to=request_id, sp_entity_id=other_sp.entity_id, acs_url=sp.acs_url
    )
    with pytest.raises(errors.AudienceMismatch) as raised:
        _validate(value, sp=sp, trusted_idp=trusted_idp, request_id=request_id)
    assert raised.value.code == "saml.audience_mismatch"
    assert sp.entity_id in repr(raised.value.expected)
    assert other_sp.entity_id in repr(raised.value.actual)


def test_unsolicited_pysaml2_response_is_refused(idp, sp, trusted_idp) -> None:
    """An IdP-initiated response (no InResponseTo) is refused even while a request is outstanding."""
    outstanding, _ = _request(sp, trusted_idp)
    value = idp.respond_b64(in_response_to=None, sp_entity_id=sp.entity_id, acs_url=sp.acs_url)
    assert b"InResponseTo" not in base64.b64decode(value)
    with pytest.raises(errors.UnsolicitedResponse) as raised:
        _validate(value, sp=sp, trusted_idp=trusted_idp, request_id=outstanding)
    assert raised.value.code == "saml.unsolicited_response"


def test_pysaml2_response_to_another_request_is_refused(idp, sp, trusted_idp) -> None:
    """A response answering an earlier request is not an answer to the outstanding one."""
    earlier, _ = _request(sp, trusted_idp)
    outstanding, _ = _request(sp, trusted_idp)
    value = idp.respond_b64(in_response_to=earlier, sp_entity_id=sp.entity_id, acs_url=sp.acs_url)
    with pytest.raises(errors.InResponseToMismatch):
        _validate(value, sp=sp, trusted_idp=trusted_idp, request_id=outstanding)


def test_pysaml2_response_signed_by_another_idp_key_is_refused(
    xmlsec1, tmp_path_factory, idp, sp, other_sp, trusted_idp
) -> None:
    """A pysaml2 IdP with the same entity ID but another key is not trusted: only metadata keys count."""
    impostor = PysamlIdP(
        workdir=tmp_path_factory.mktemp("pysaml2-impostor"),
        sp_metadata=[build_sp_metadata(sp, sign_requests=False)],
        keys=KeyPair.generate("impostor"),
        entity_id=idp.entity_id,
    )
    request_id, _ = _request(sp, trusted_idp)
    value = impostor.respond_b64(
        in_response_to=request_id, sp_entity_id=sp.entity_id, acs_url=sp.acs_url
    )
    with pytest.raises(SignatureUntrustedKey) as raised:
        _validate(value, sp=sp, trusted_idp=trusted_idp, request_id=request_id)
    assert raised.value.code == "saml.signature_untrusted_key"


@pytest.fixture(scope="session")
def encrypting_sp(sp: ServiceProvider) -> ServiceProvider:
    """Our SP with an encryption key pair, as a tenant that asks for token encryption."""
    keys = KeyPair.generate("ssoconsole interop SP encryption")
    return dataclasses.replace(
        sp, encryption_key_pem=keys.key_pem, encryption_cert_pem=keys.cert_pem
    )


@pytest.mark.parametrize("content_encryption", [AES128_CBC, AES256_CBC, AES128_GCM, AES256_GCM])
def test_assertion_encrypted_by_pysaml2_xmlsec1_backend_validates(
    idp, encrypting_sp, trusted_idp, content_encryption
) -> None:
    """xmlsec1 (pysaml2's crypto backend) encrypts with RSA-OAEP and AES; we decrypt, then verify the signature."""
    request_id, _ = _request(encrypting_sp, trusted_idp)
    xml = idp.respond(
        in_response_to=request_id,
        sp_entity_id=encrypting_sp.entity_id,
        acs_url=encrypting_sp.acs_url,
        encrypt_for=encrypting_sp.encryption_cert_pem,
        content_encryption=content_encryption,
    )
    assert b"EncryptedAssertion" in xml and content_encryption.encode() in xml
    assert b"ada.lovelace" not in xml
    value = base64.b64encode(xml).decode("ascii")
    assertion = _validate(value, sp=encrypting_sp, trusted_idp=trusted_idp, request_id=request_id)
    assert assertion.name_id == idp.user.email
    assert assertion.first(CLAIMS + "surname") == idp.user.surname


def test_pysaml2_default_triple_des_encryption_is_refused_by_name(
    idp, encrypting_sp, trusted_idp
) -> None:
    """pysaml2 7.5 encrypts assertions with Triple-DES only; we refuse it and name the algorithm.

    We accept AES-CBC and AES-GCM content encryption; an administrator
    whose pysaml2-based IdP encrypts must configure AES there (or turn
    encryption off), and the error says which algorithm arrived.
    """
    request_id, _ = _request(encrypting_sp, trusted_idp)
    xml = idp.respond(
        in_response_to=request_id,
        sp_entity_id=encrypting_sp.entity_id,
        acs_url=encrypting_sp.acs_url,
        encrypt_for=encrypting_sp.encryption_cert_pem,
        content_encryption=TRIPLE_DES_CBC,
    )
    with pytest.raises(EncryptionAlgorithmUnsupported) as raised:
        _validate(
            base64.b64encode(xml).decode("ascii"),
            sp=encrypting_sp,
            trusted_idp=trusted_idp,
            request_id=request_id,
        )
    assert raised.value.actual == TRIPLE_DES_CBC


@pytest.mark.parametrize(
    ("curve_name", "signature_algorithm"),
    [
        ("secp256r1", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"),
        ("secp384r1", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"),
    ],
)
def test_pysaml2_ecdsa_signed_assertion_validates(
    xmlsec1, tmp_path_factory, sp, curve_name, signature_algorithm
) -> None:
    """xmlsec1's ECDSA signature encoding (r || s, XML-DSig 1.1) is what our verifier expects.

    pysaml2 7.5 signs Responses with RSA only, so the assertion carries the
    ECDSA signature here.
    """
    from cryptography.hazmat.primitives.asymmetric import ec

    ec_idp = PysamlIdP(
        workdir=tmp_path_factory.mktemp("pysaml2-ecdsa"),
        sp_metadata=[build_sp_metadata(sp, sign_requests=False)],
        keys=KeyPair.generate(f"pysaml2 {curve_name} IdP", curve=getattr(ec, curve_name.upper())()),
    )
    trusted = parse_idp_metadata(ec_idp.metadata_xml(), now=_utcnow()).identity_provider()
    request_id, _ = _request(sp, trusted)
    xml = ec_idp.respond(
        in_response_to=request_id,
        sp_entity_id=sp.entity_id,
        acs_url=sp.acs_url,
        signature_algorithm=signature_algorithm,
    )
    assert signature_algorithm.encode() in xml
    assertion = _validate(
        base64.b64encode(xml).decode("ascii"), sp=sp, trusted_idp=trusted, request_id=request_id
    )
    assert assertion.name_id == ec_idp.user.email


def test_pysaml2_sha1_response_is_refused_unless_explicitly_allowed(idp, sp, trusted_idp) -> None:
    """RSA-SHA1 from pysaml2 is refused with the SHA-1 error; insecure_allow_sha1 is the only way in."""
    from ssoconsole.saml.xmldsig import SHA1Refused

    request_id, _ = _request(sp, trusted_idp)
    value = idp.respond_b64(
        in_response_to=request_id,
        sp_entity_id=sp.entity_id,
        acs_url=sp.acs_url,
        signature_algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        digest_algorithm="http://www.w3.org/2000/09/xmldsig#sha1",
    )
    with pytest.raises(SHA1Refused) as raised:
        _validate(value, sp=sp, trusted_idp=trusted_idp, request_id=request_id)
    assert "SHA-256" in raised.value.admin_message()
    allowed = _validate(
        value,
        sp=sp,
        trusted_idp=trusted_idp,
        request_id=request_id,
        policy=ValidationPolicy(insecure_allow_sha1=True),
    )
    assert allowed.name_id == idp.user.email


# --- over HTTP ------------------------------------------------------------------------------


def test_pysaml2_idp_served_on_loopback_answers_a_redirect_with_a_post_form(
    xmlsec1, tmp_path_factory, sp
) -> None:
    """The helper's WSGI mode works end to end, as the browser tests will use it."""
    workdir = tmp_path_factory.mktemp("pysaml2-served")
    with serve_idp(
        workdir=workdir, sp_metadata=[build_sp_metadata(sp, sign_requests=False)]
    ) as served:
        assert urlsplit(served.base_url).hostname == "127.0.0.1"
        with urllib.request.urlopen(served.base_url + "/metadata", timeout=10) as reply:
            metadata = reply.read()
        trusted = parse_idp_metadata(metadata, now=_utcnow()).identity_provider()
        request_id, xml = _request(sp, trusted)
        with urllib.request.urlopen(
            redirect_url(trusted.sso_url_redirect, xml, RELAY_STATE), timeout=10
        ) as reply:
            page = reply.read()
    form = etree.fromstring(page, etree.HTMLParser()).find(".//form")
    assert form.get("action") == sp.acs_url
    fields = {i.get("name"): i.get("value") for i in form.iter("input")}
    assert fields["RelayState"] == RELAY_STATE
    assertion = _validate(fields["SAMLResponse"], sp=sp, trusted_idp=trusted, request_id=request_id)
    assert assertion.name_id == served.user.email


def test_missing_xmlsec1_fails_with_the_install_command(tmp_path: Path) -> None:
    """Without the binary the interop tests fail and say how to fix it; they never skip."""
    with pytest.raises(AssertionError, match="apt-get install -y xmlsec1"):
        require_xmlsec1(str(tmp_path / "xmlsec1"))


def test_interop_helper_does_not_import_django() -> None:
    """tests/saml runs without Django, so the pysaml2 helper must not need it.

    Checked in a fresh interpreter: this process may have Django loaded by
    other test packages.
    """
    import subprocess

    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import pysaml2_idp, saml2.server; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    here = str(Path(__file__).resolve().parent)
    result = subprocess.run(
        [sys.executable, "-c", code, here], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
