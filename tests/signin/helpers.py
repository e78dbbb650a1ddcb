"""Builders for the sign-in tests: providers trusting a test IdP key, and that IdP's signed answers.

The answers are real SAML Responses signed at test time with
``tests/saml/signing.py`` (the IdP's private key never leaves the test), so
every test runs the real validator (docs/rules.md#real-validator-in-tests).
"""

from __future__ import annotations

import base64
import sys
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from lxml import etree

# tests/saml is not a package: its builders are imported by path, as its own conftest does.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "saml"))
import signing  # noqa: E402

ENTITY_A = "https://sts.windows.net/aaaaaaaa-0000-4000-8000-00000000000a/"
ENTITY_B = "https://sts.windows.net/bbbbbbbb-0000-4000-8000-00000000000b/"
SSO_URL_A = "https://login.microsoftonline.com/aaaaaaaa-0000-4000-8000-00000000000a/saml2"
SSO_URL_B = "https://login.microsoftonline.com/bbbbbbbb-0000-4000-8000-00000000000b/saml2"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"


def key(name: str = "idp-a") -> signing.KeyPair:
    """Return the test IdP's key pair (RSA, cached per process)."""
    return signing.keypair(name)


BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


def metadata(
    entity_id: str,
    sso_url: str,
    kp: signing.KeyPair,
    *,
    bindings: tuple[str, ...] = (BINDING_REDIRECT,),
) -> bytes:
    """Return IdP metadata with one signing certificate and a sign-in URL per binding (SAML Metadata 2.4.3)."""
    cert = base64.b64encode(kp.cert_der).decode("ascii")
    services = "".join(
        f'<md:SingleSignOnService Binding="{b}" Location="{sso_url}"/>' for b in bindings
    )
    return (
        f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f'<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}'
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        "<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>"
        f"{services}</md:IDPSSODescriptor></md:EntityDescriptor>"
    ).encode()


def make_provider(
    tenant,
    name: str = "Entra ID",
    *,
    entity_id: str = ENTITY_A,
    sso_url: str = SSO_URL_A,
    kp: signing.KeyPair | None = None,
    bindings: tuple[str, ...] = (BINDING_REDIRECT,),
):
    """Create a provider from uploaded metadata that trusts ``kp`` (default: the "idp-a" key)."""
    from ssoconsole.sso.providers import create_provider

    xml = metadata(entity_id, sso_url, kp or key(), bindings=bindings)
    return create_provider(tenant, name, metadata_xml=xml, actor=None)


def use_provider(org, provider) -> None:
    from ssoconsole.tenancy.services import set_org_sso

    set_org_sso(org, "provider", provider.id)


def parse_redirect(location: str) -> dict:
    """Return the AuthnRequest (ID, ACS, issuer, the XML) and RelayState of an HTTP-Redirect URL."""
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    xml = zlib.decompress(base64.b64decode(query["SAMLRequest"]), -15)
    root = etree.fromstring(xml)
    issuer = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer")
    return {
        "url": f"{parts.scheme}://{parts.netloc}{parts.path}",
        "id": root.get("ID"),
        "acs": root.get("AssertionConsumerServiceURL"),
        "issuer": issuer.text if issuer is not None else None,
        "relay_state": query.get("RelayState"),
        "query": query,
        "root": root,
    }


def answer(
    tenant,
    request_id: str | None,
    name_id: str,
    *,
    entity_id: str = ENTITY_A,
    kp: signing.KeyPair | None = None,
    now: datetime | None = None,
    assertion_id: str | None = None,
    **options,
) -> str:
    """Return the base64 SAMLResponse the test IdP sends for ``name_id`` in answer to ``request_id``.

    Shaped like Entra ID's (signed assertion, default claims), addressed to the
    tenant's ACS and entity ID as the configured base URL names them, or to
    ``sp`` (a ``ServiceProvider``) for a server this process does not configure.
    """
    sp = options.pop("sp", None)
    if sp is None:
        from ssoconsole.sso.saml_config import service_provider_config

        sp = service_provider_config(tenant, with_keys=False)
    now = now or datetime.now(UTC)
    attributes = dict(signing.DEFAULT_ATTRIBUTES)
    attributes.update(options.pop("extra_attributes", {}))
    tree = signing.build_response_tree(
        key=kp or key(),
        now=now,
        sp=sp,
        issuer=entity_id,
        name_id=name_id,
        in_response_to=request_id,
        subject_in_response_to=request_id,
        response_id="_" + uuid.uuid4().hex,
        assertion_id=assertion_id or "_" + uuid.uuid4().hex,
        attributes=options.pop("attributes", attributes),
        **options,
    )
    return signing.encode(tree)


def later(**delta) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)
