"""Build the AuthnRequest the SP sends to start SP-initiated single sign-on.

The request is a plain ``samlp:AuthnRequest`` (SAML Core 3.4.1) shaped for
what Entra ID and other IdPs accept: no ``Subject`` (Entra ID rejects one), a
``NameIDPolicy``, and optionally ``RequestedAuthnContext`` and ``ForceAuthn``.
The ID comes from :func:`new_request_id` with randomness passed in, and the
clock is a parameter, so tests pin the output byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from lxml import etree

from .config import (
    BINDING_POST,
    BINDING_REDIRECT,
    IdentityProvider,
    RequestSettings,
    ServiceProvider,
)
from .errors import (  # noqa: F401 - re-exported: callers import them from here too
    IdPEndpointMissing,
    RequestSettingsInvalid,
)
from .xml import NS

SAMLP = NS["samlp"]
SAML = NS["saml"]
COMPARISONS = ("exact", "minimum", "maximum", "better")
MIN_ID_BYTES = 16

# xs:ID is an NCName (SAML Core 1.3.4); ours also avoids characters that need escaping.
_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")


def new_request_id(random_bytes: Callable[[int], bytes], *, nbytes: int = 20) -> str:
    """Return an unguessable request ID: an underscore and ``nbytes`` random bytes in hex.

    SAML Core 1.3.4 requires at least 128 bits of randomness in identifiers
    and an xs:ID value, which must not start with a digit; the underscore
    guarantees that. Pass ``secrets.token_bytes`` in production.
    """
    if nbytes < MIN_ID_BYTES:
        raise ValueError(f"a request ID needs at least {MIN_ID_BYTES} random bytes")
    data = random_bytes(nbytes)
    if len(data) != nbytes:
        raise ValueError("random_bytes returned the wrong number of bytes")
    return "_" + data.hex()


def build_authn_request(
    *,
    sp: ServiceProvider,
    idp: IdentityProvider,
    settings: RequestSettings,
    request_id: str,
    now: datetime,
    binding: str = BINDING_REDIRECT,
) -> bytes:
    """Return the AuthnRequest XML (UTF-8, no declaration) asking ``idp`` to sign the user in.

    ``binding`` is how the request travels, and picks the Destination among
    the IdP's endpoints. Signing, when configured, happens in the binding
    (SAML Bindings 3.4.4.1), not here.
    """
    if not _ID.fullmatch(request_id):
        raise ValueError("request_id must be an xs:ID (start with a letter or underscore)")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    _check_settings(settings)
    destination = _destination(idp, binding)

    request = etree.Element(f"{{{SAMLP}}}AuthnRequest", nsmap={"samlp": SAMLP, "saml": SAML})
    # SAML Core 3.2.1: ID, Version 2.0, IssueInstant in UTC (1.3.3), and Destination,
    # which the IdP compares with the URL the request arrived at.
    request.set("ID", request_id)
    request.set("Version", "2.0")
    request.set("IssueInstant", now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    request.set("Destination", destination)
    # SAML Core 3.4.1: where and how the Response must come back; Entra ID matches the
    # AssertionConsumerServiceURL against the application's Reply URLs.
    request.set("AssertionConsumerServiceURL", sp.acs_url)
    request.set("ProtocolBinding", BINDING_POST)
    if settings.force_authn:
        request.set("ForceAuthn", "true")

    # SAML Core 3.2.1 / Profiles 4.1.4.1: the Issuer is the SP entity ID, which Entra ID
    # matches against Basic SAML Configuration > Identifier (Entity ID).
    etree.SubElement(request, f"{{{SAML}}}Issuer").text = sp.entity_id

    # SAML Core 3.4.1.1: NameIDPolicy, Format optional, AllowCreate.
    policy = etree.SubElement(request, f"{{{SAMLP}}}NameIDPolicy")
    if settings.name_id_format:
        policy.set("Format", settings.name_id_format)
    policy.set("AllowCreate", "true" if settings.allow_create else "false")

    # SAML Core 3.3.2.2.1: RequestedAuthnContext with one class reference and a Comparison.
    if settings.authn_context_class_ref:
        context = etree.SubElement(request, f"{{{SAMLP}}}RequestedAuthnContext")
        context.set("Comparison", settings.authn_context_comparison)
        ref = etree.SubElement(context, f"{{{SAML}}}AuthnContextClassRef")
        ref.text = settings.authn_context_class_ref
    return etree.tostring(request, encoding="utf-8")


def _check_settings(settings: RequestSettings) -> None:
    """Refuse settings the schema or SAML Core 3.3.2.2.1 / 3.4.1.1 do not allow."""
    if settings.authn_context_comparison not in COMPARISONS:
        raise RequestSettingsInvalid(
            "The authentication context comparison is not one SAML defines.",
            expected=list(COMPARISONS),
            actual=settings.authn_context_comparison,
        )
    ref = settings.authn_context_class_ref
    if ref is not None and ref != "" and not _URI.fullmatch(ref):
        raise RequestSettingsInvalid(
            "The authentication context class reference must be a URI.",
            expected="a URI such as urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
            actual=ref[:200],
        )
    fmt = settings.name_id_format
    if fmt is not None and fmt != "" and not _URI.fullmatch(fmt):
        raise RequestSettingsInvalid(
            "The name ID format must be a URI.",
            expected="a URI such as urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            actual=fmt[:200],
        )


def _destination(idp: IdentityProvider, binding: str) -> str:
    """Return the IdP endpoint for ``binding`` (SAML Metadata 2.4.3 SingleSignOnService)."""
    urls = {BINDING_REDIRECT: idp.sso_url_redirect, BINDING_POST: idp.sso_url_post}
    if binding not in urls:
        raise ValueError(f"unsupported binding for AuthnRequest: {binding}")
    url = urls[binding]
    if not url:
        raise IdPEndpointMissing(
            f"The identity provider {idp.entity_id} has no sign-in URL for "
            f"{binding.rsplit(':', 1)[-1]}.",
            expected=binding,
            actual=[b for b, u in urls.items() if u],
        )
    return url
