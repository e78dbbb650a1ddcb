"""AuthnRequest: the message that starts SP-initiated sign-in (SAML Core 3.4.1)."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from golden_files import assert_matches_golden
from lxml import etree
from saml_schemas import PROTOCOL_XSD, assert_schema_valid
from sp_keys import FIXED_NOW, counter_random_bytes, entra_idp, service_provider

from ssoconsole.saml.authn_request import (
    IdPEndpointMissing,
    RequestSettingsInvalid,
    build_authn_request,
    new_request_id,
)
from ssoconsole.saml.config import (
    AC_PASSWORD,
    BINDING_POST,
    BINDING_REDIRECT,
    NAMEID_EMAIL,
    NAMEID_PERSISTENT,
    RequestSettings,
)

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
}
CONTEXT_AND_FORCE = RequestSettings(authn_context_class_ref=AC_PASSWORD, force_authn=True)


def _build(settings: RequestSettings = RequestSettings(), **overrides) -> bytes:
    arguments = dict(
        sp=service_provider(),
        idp=entra_idp(),
        settings=settings,
        request_id=new_request_id(counter_random_bytes()),
        now=FIXED_NOW,
    )
    arguments.update(overrides)
    return build_authn_request(**arguments)


def _root(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def test_default_request_matches_golden_file():
    """The request with default settings is pinned byte for byte."""
    assert_matches_golden("authn-request-default.xml", _build())


def test_request_with_authn_context_and_force_authn_matches_golden_file():
    """The request with RequestedAuthnContext and ForceAuthn is pinned byte for byte."""
    assert_matches_golden("authn-request-context-force.xml", _build(CONTEXT_AND_FORCE))


@pytest.mark.parametrize(
    "settings", [RequestSettings(), CONTEXT_AND_FORCE], ids=["default", "context"]
)
def test_request_is_valid_against_the_oasis_protocol_schema(settings):
    """Every variant validates against saml-schema-protocol-2.0.xsd (element order included)."""
    assert_schema_valid(_build(settings), PROTOCOL_XSD)


def test_request_carries_the_protocol_attributes():
    """SAML Core 3.2.1 / 3.4.1: ID, Version, IssueInstant, Destination, ACS URL, POST binding."""
    sp, idp = service_provider(), entra_idp()
    root = _root(_build(request_id="_abc"))
    assert root.tag == "{urn:oasis:names:tc:SAML:2.0:protocol}AuthnRequest"
    assert root.get("ID") == "_abc"
    assert root.get("Version") == "2.0"
    assert root.get("IssueInstant") == "2026-11-27T05:00:00Z"
    assert root.get("Destination") == idp.sso_url_redirect
    assert root.get("AssertionConsumerServiceURL") == sp.acs_url
    assert root.get("ProtocolBinding") == BINDING_POST
    assert root.findtext("saml:Issuer", namespaces=NS) == sp.entity_id


def test_issue_instant_is_converted_to_utc_with_z():
    """SAML Core 1.3.3: a clock in another zone is written as UTC with a Z."""
    local = FIXED_NOW.astimezone(timezone(timedelta(hours=-5)))
    assert _root(_build(now=local)).get("IssueInstant") == "2026-11-27T05:00:00Z"


def test_naive_clock_is_refused():
    """A time without a zone cannot be written as UTC safely."""
    with pytest.raises(ValueError):
        _build(now=datetime(2026, 11, 27, 5, 0))


def test_request_has_no_subject():
    """Entra ID rejects AuthnRequests that carry a Subject."""
    for settings in (RequestSettings(), CONTEXT_AND_FORCE):
        assert _root(_build(settings)).find("saml:Subject", NS) is None


def test_name_id_policy_carries_format_and_allow_create():
    """SAML Core 3.4.1.1: NameIDPolicy with the configured Format and AllowCreate."""
    policy = _root(_build()).find("samlp:NameIDPolicy", NS)
    assert policy.attrib == {"Format": NAMEID_EMAIL, "AllowCreate": "true"}
    settings = RequestSettings(name_id_format=NAMEID_PERSISTENT, allow_create=False)
    policy = _root(_build(settings)).find("samlp:NameIDPolicy", NS)
    assert policy.attrib == {"Format": NAMEID_PERSISTENT, "AllowCreate": "false"}


def test_name_id_format_can_be_left_to_the_idp():
    """Without a configured format the Format attribute is omitted (IdP chooses)."""
    policy = _root(_build(RequestSettings(name_id_format=None))).find("samlp:NameIDPolicy", NS)
    assert "Format" not in policy.attrib


def test_no_requested_authn_context_by_default():
    """'No requested context' is a choice: passwordless and Windows sign-in need it."""
    assert _root(_build()).find("samlp:RequestedAuthnContext", NS) is None


@pytest.mark.parametrize("comparison", ["exact", "minimum", "maximum", "better"])
def test_requested_authn_context_carries_class_ref_and_comparison(comparison):
    """SAML Core 3.3.2.2.1: one AuthnContextClassRef and the configured Comparison."""
    settings = replace(CONTEXT_AND_FORCE, authn_context_comparison=comparison)
    context = _root(_build(settings)).find("samlp:RequestedAuthnContext", NS)
    assert context.get("Comparison") == comparison
    assert [e.text for e in context] == [AC_PASSWORD]


@pytest.mark.parametrize("comparison", ["EXACT", "", "at-least", "exact "])
def test_unknown_comparison_is_refused(comparison):
    """SAML Core 3.3.2.2.1: Comparison is one of exact, minimum, maximum, better."""
    settings = replace(CONTEXT_AND_FORCE, authn_context_comparison=comparison)
    with pytest.raises(RequestSettingsInvalid) as info:
        _build(settings)
    assert info.value.code == "saml.request_settings_invalid"
    assert info.value.expected == ["exact", "minimum", "maximum", "better"]


@pytest.mark.parametrize("ref", ["Password", "urn:with space", " urn:x"])
def test_class_reference_that_is_not_a_uri_is_refused(ref):
    """AuthnContextClassRef is an xs:anyURI (SAML Core 2.7.2.2)."""
    with pytest.raises(RequestSettingsInvalid):
        _build(replace(CONTEXT_AND_FORCE, authn_context_class_ref=ref))


def test_name_id_format_that_is_not_a_uri_is_refused():
    """NameIDPolicy Format is an xs:anyURI (SAML Core 3.4.1.1)."""
    with pytest.raises(RequestSettingsInvalid):
        _build(RequestSettings(name_id_format="email"))


def test_force_authn_only_when_configured():
    """ForceAuthn="true" asks the IdP to re-authenticate; absent otherwise."""
    assert "ForceAuthn" not in _root(_build()).attrib
    assert _root(_build(CONTEXT_AND_FORCE)).get("ForceAuthn") == "true"


def test_destination_follows_the_binding():
    """SAML Core 3.2.1: Destination is the endpoint of the binding the request uses."""
    idp = replace(entra_idp(), sso_url_post="https://idp.example.test/post")
    assert (
        _root(_build(idp=idp, binding=BINDING_POST)).get("Destination")
        == "https://idp.example.test/post"
    )
    assert (
        _root(_build(idp=idp, binding=BINDING_REDIRECT)).get("Destination") == idp.sso_url_redirect
    )


def test_missing_endpoint_for_the_binding_is_reported():
    """An IdP without a POST endpoint cannot receive a POSTed request."""
    with pytest.raises(IdPEndpointMissing) as info:
        _build(binding=BINDING_POST)
    assert info.value.code == "saml.idp_sso_endpoint_missing"


@pytest.mark.parametrize("request_id", ["1abc", "", "-x", "_a b", "_a<"])
def test_request_id_that_is_not_an_xs_id_is_refused(request_id):
    """SAML Core 1.3.4: IDs are xs:ID, which cannot start with a digit or hyphen."""
    with pytest.raises(ValueError):
        _build(request_id=request_id)


def test_new_request_id_has_160_random_bits_and_starts_with_underscore():
    """SAML Core 1.3.4: at least 128 random bits; xs:ID must start with a letter or '_'."""
    request_id = new_request_id(secrets.token_bytes)
    assert request_id[0] == "_"
    assert len(request_id) == 1 + 40
    int(request_id[1:], 16)


def test_new_request_id_uses_only_the_randomness_passed_in():
    """Randomness is a parameter, so tests get reproducible IDs."""
    assert new_request_id(lambda n: b"\x00" * n) == "_" + "00" * 20
    assert new_request_id(lambda n: b"\xff" * n) == "_" + "ff" * 20


def test_new_request_id_refuses_fewer_than_128_bits():
    """Fewer than 16 random bytes would make request IDs guessable."""
    with pytest.raises(ValueError):
        new_request_id(secrets.token_bytes, nbytes=15)
    assert len(new_request_id(secrets.token_bytes, nbytes=16)) == 33


def test_new_request_id_refuses_a_short_random_source():
    """A random source that returns fewer bytes than asked for is a bug, not an ID."""
    with pytest.raises(ValueError):
        new_request_id(lambda n: b"\x01")
