"""The configuration built here drives the real SAML core, never a mock of it (docs/rules.md#real-validator-in-tests).

Responses are signed at test time by the SAML core tests' own builder
(``tests/saml/signing.py``), validated by ``validate_response`` with the
provider's ``IdentityProvider``/``ValidationPolicy`` and mapped with its
attribute mapping; requests are built and signed with the tenant's SP key and
checked against the certificate the SP metadata endpoint publishes.
"""

from __future__ import annotations

import base64
import importlib.util
import sys
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from ssoconsole.saml.authn_request import build_authn_request
from ssoconsole.saml.bindings import decode_and_inflate, redirect_url
from ssoconsole.saml.errors import SAMLError
from ssoconsole.saml.response import validate_response
from ssoconsole.sso.mapping import MappedIdentity, map_assertion
from ssoconsole.sso.providers import (
    create_provider,
    set_advanced_settings,
    set_attribute_mapping,
    update_provider,
)
from ssoconsole.sso.saml_config import (
    identity_provider_config,
    mapping_config,
    request_settings,
    service_provider_config,
    validation_policy,
)

from . import helpers


def _load_signing():
    """Import the SAML core tests' response builder by path (tests/saml is not a package)."""
    name = "ssoconsole_saml_test_signing"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).parents[1] / "saml" / "signing.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


signing = _load_signing()


@pytest.fixture
def entra(tenant):
    """A provider whose metadata lists the test IdP key "A", as Entra ID would publish it."""
    xml = helpers.idp_metadata(
        signing.IDP_ENTITY_ID, [x509.load_der_x509_certificate(signing.keypair("A").cert_der)]
    )
    return create_provider(tenant, "Entra ID", metadata_xml=xml, now=signing.NOW)


def validate(tenant, provider, **response_options):
    sp = service_provider_config(tenant, with_keys=False)
    xml = signing.build_response(sp=sp, **response_options)
    return validate_response(
        signing.encode(xml),
        sp=sp,
        idp=identity_provider_config(provider),
        expected=signing.expected(),
        policy=validation_policy(provider),
        now=signing.NOW,
    )


def test_response_signed_by_the_metadata_key_validates_and_maps(tenant, entra):
    assertion = validate(tenant, entra, key=signing.keypair("A"))
    assert map_assertion(assertion, mapping_config(entra)) == MappedIdentity(
        "alice@example.com", "Alice", "Example", "NameID"
    )
    set_attribute_mapping(entra, use_default=False, username=signing.ENTRA_CLAIMS + "name")
    assert (
        map_assertion(assertion, mapping_config(entra)).username_source
        == signing.ENTRA_CLAIMS + "name"
    )


def test_new_certificate_is_trusted_once_the_metadata_lists_it(tenant, entra):
    """Rollover: a response signed with key B is refused until B's certificate is in the provider's metadata."""
    with pytest.raises(SAMLError):
        validate(tenant, entra, key=signing.keypair("B"))
    both = [x509.load_der_x509_certificate(signing.keypair(k).cert_der) for k in ("A", "B")]
    update_provider(
        entra, metadata_xml=helpers.idp_metadata(signing.IDP_ENTITY_ID, both), now=signing.NOW
    )
    assert validate(tenant, entra, key=signing.keypair("B")).name_id == "alice@example.com"
    assert validate(tenant, entra, key=signing.keypair("A")).name_id == "alice@example.com"


def test_clock_skew_setting_reaches_the_validator(tenant, entra):
    """An assertion whose NotBefore is two minutes ahead passes with 180 s skew and fails with 60 s."""
    from datetime import timedelta

    early = dict(key=signing.keypair("A"), not_before=signing.NOW + timedelta(minutes=2))
    assert validate(tenant, entra, **early)
    set_advanced_settings(entra, clock_skew_seconds=60)
    with pytest.raises(SAMLError) as info:
        validate(tenant, entra, **early)
    assert info.value.code == "saml.assertion_not_yet_valid"


def test_signed_authn_request_verifies_with_the_published_sp_certificate(client, tenant, entra):
    """Sign requests on: the redirect carries a signature the IdP can check with the SP metadata's certificate."""
    set_advanced_settings(
        entra,
        sign_requests=True,
        authn_context_class_ref="urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
    )
    sp, idp, settings = (
        service_provider_config(tenant),
        identity_provider_config(entra),
        request_settings(entra),
    )
    xml = build_authn_request(
        sp=sp, idp=idp, settings=settings, request_id="_" + "ab" * 20, now=signing.NOW
    )
    url = redirect_url(
        idp.sso_url_redirect,
        xml,
        "relay-token",
        sign_with=sp.signing_key_pem,
        signature_method=settings.signature_method,
    )

    metadata = etree.fromstring(client.get(f"/sso/{tenant.id}/metadata").content)
    ds = "http://www.w3.org/2000/09/xmldsig#"
    cert_b64 = metadata.findtext(f".//{{{ds}}}X509Certificate")
    public_key = x509.load_der_x509_certificate(
        base64.b64decode("".join(cert_b64.split()))
    ).public_key()

    params = dict(parse_qsl(urlsplit(url).query))
    signed = "&".join(
        f"{k}={quote(params[k], safe='')}" for k in ("SAMLRequest", "RelayState", "SigAlg")
    )
    public_key.verify(
        base64.b64decode(params["Signature"]), signed.encode(), padding.PKCS1v15(), hashes.SHA256()
    )

    request = etree.fromstring(decode_and_inflate(params["SAMLRequest"]))
    samlp = "urn:oasis:names:tc:SAML:2.0:protocol"
    assert request.get("AssertionConsumerServiceURL") == sp.acs_url
    assert request.find(f"{{{samlp}}}RequestedAuthnContext").get("Comparison") == "exact"


def test_default_request_asks_for_no_authentication_context(tenant, entra):
    sp, idp = service_provider_config(tenant, with_keys=False), identity_provider_config(entra)
    xml = build_authn_request(
        sp=sp,
        idp=idp,
        settings=request_settings(entra),
        request_id="_" + "cd" * 20,
        now=signing.NOW,
    )
    assert b"RequestedAuthnContext" not in xml and b"ForceAuthn" not in xml
