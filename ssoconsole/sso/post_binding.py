"""Carry the AuthnRequest by HTTP-POST when the IdP has no HTTP-Redirect endpoint (SAML Bindings 3.5).

HTTP-Redirect stays the first choice: it is what Entra ID and most IdPs
expect, and it needs no page of our own. Some IdPs publish only an
HTTP-POST SingleSignOnService; for them the browser gets a small page whose
form posts SAMLRequest and RelayState to the IdP, submitted by a static
script (no inline JavaScript) or, without JavaScript, by a button.
"""

from __future__ import annotations

from django.shortcuts import render

from ssoconsole.saml.bindings import PostForm
from ssoconsole.saml.config import BINDING_POST, BINDING_REDIRECT, IdentityProvider


def choose_binding(idp: IdentityProvider) -> str:
    """Return the binding for the AuthnRequest: Redirect when the metadata lists it, else POST.

    With neither endpoint the answer is Redirect, and building the request
    then raises the core's ``IdPEndpointMissing``, which lists what the
    metadata has (SAML Metadata 2.4.3).
    """
    if idp.sso_url_redirect or not idp.sso_url_post:
        return BINDING_REDIRECT
    return BINDING_POST


def post_page(request, form: PostForm, *, provider_name: str):
    """Return the auto-submitting form page (200) that posts ``form`` to the IdP."""
    return render(request, "sso/post_binding.html", {"form": form, "provider_name": provider_name})
