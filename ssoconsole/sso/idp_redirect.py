"""Send the browser to the identity provider with an AuthnRequest (SAML Bindings 3.4 or 3.5).

Used by the login page's SSO flow and by the provider test. The request is
built by the SAML core from the provider's request settings ("Set SAML
attributes for SSO"). It travels by HTTP-Redirect, signed over the query
string with the tenant's SP key when the provider signs requests (SAML
Bindings 3.4.4.1), or, for an IdP whose metadata lists only an HTTP-POST
endpoint, in an auto-submitting form with an enveloped signature
(:mod:`ssoconsole.sso.post_binding`). Either way, before the browser leaves,
an outstanding request is stored and bound to it with the same cookie
(:mod:`ssoconsole.sso.outstanding`).
"""

from __future__ import annotations

import os

from django.http import HttpResponseRedirect

from ssoconsole.accounts import throttle
from ssoconsole.core import clock
from ssoconsole.core.request_info import client_ip
from ssoconsole.saml.authn_request import build_authn_request, new_request_id
from ssoconsole.saml.bindings import post_form, redirect_url
from ssoconsole.saml.config import BINDING_REDIRECT
from ssoconsole.saml.errors import SAMLError
from ssoconsole.sso import outstanding
from ssoconsole.sso.errors import KeyDecryptionFailed, SigningKeyUnavailable
from ssoconsole.sso.post_binding import choose_binding, post_page
from ssoconsole.sso.refusal_pages import refuse, throttled_page
from ssoconsole.sso.saml_config import (
    identity_provider_config,
    request_settings,
    service_provider_config,
)

# A rate, not a count of failures: each start stores a request row and sends the browser to the IdP, so a
# script must not loop on it, but an office of 2,000 people behind one address must all get through within
# ten minutes (a burst of 300, then 5 per second: 3,300 in ten minutes). Nobody else's address is touched.
REDIRECT_RULE = throttle.Bucket(
    "sso-start-address",
    count=3000,
    seconds=600,
    burst=300,
    what="from your network address",
    per_address=True,
    noun="sign-in requests",
)


def redirect_to_idp(
    request,
    *,
    tenant,
    provider,
    username: str = "",
    return_path: str = "/console/",
    test_mode: bool = False,
    started_by=None,
):
    """Return the 302 (or the POST form page) that carries SAMLRequest and RelayState to ``provider``.

    The binding cookie is set on either response, so the ACS finds the
    request the same way whichever binding carried it.
    """
    address = client_ip(request) or ""
    try:
        throttle.take(REDIRECT_RULE, address)
    except throttle.Throttled as exc:
        return throttled_page(request, exc, tenant=tenant, scope=REDIRECT_RULE.scope)
    now = clock.now()
    settings_ = request_settings(provider)
    try:
        sp = service_provider_config(tenant, with_keys=settings_.sign_requests)
        idp = identity_provider_config(provider)
        binding = choose_binding(idp)
        request_id = new_request_id(os.urandom)
        xml = build_authn_request(
            sp=sp, idp=idp, settings=settings_, request_id=request_id, now=now, binding=binding
        )
        started = outstanding.start_request(
            tenant=tenant,
            provider=provider,
            request_id=request_id,
            now=now,
            username=username,
            return_path=return_path,
            test_mode=test_mode,
            started_by=started_by,
        )
        sign_with = sp.signing_key_pem if settings_.sign_requests else None
        if binding == BINDING_REDIRECT:
            response = HttpResponseRedirect(
                redirect_url(
                    idp.sso_url_redirect,
                    xml,
                    started.relay_state,
                    sign_with=sign_with,
                    signature_method=settings_.signature_method,
                )
            )
        else:
            form = post_form(
                idp.sso_url_post,
                xml,
                started.relay_state,
                sign_with=sign_with,
                certificate=sp.signing_cert_pem,
                signature_method=settings_.signature_method,
                digest_method=settings_.digest_method,
            )
            response = post_page(request, form, provider_name=provider.display_name)
    except KeyDecryptionFailed as exc:
        return refuse(
            request,
            SigningKeyUnavailable(exc.message),
            tenant=tenant,
            provider=provider,
            username=username,
            test_mode=test_mode,
        )
    except SAMLError as exc:
        # e.g. the metadata has no sign-in URL at all: the admin sentence says which bindings it has.
        return refuse(
            request, exc, tenant=tenant, provider=provider, username=username, test_mode=test_mode
        )
    # The page or URL holds a one-time request: no cache may keep it.
    response["Cache-Control"] = "no-store"
    outstanding.set_binding_cookie(response, started)
    return response
