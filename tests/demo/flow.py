"""SP-initiated sign-in through the dev IdP over Django's test client, the way a browser does it.

Only HTML forms are read (the dev IdP's sign-in form and its auto-posting
response form); nothing here builds or signs SAML, so the test exercises the
console's real login redirect and ACS against the dev IdP's real responses.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import lxml.html


def local(url: str) -> str:
    """Return the path and query of an absolute URL, for Django's test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def form_fields(html: bytes, with_field: str) -> tuple[str, dict[str, str]]:
    """Return the action and the named input values of the first form that has an input ``with_field``."""
    for form in lxml.html.fromstring(html).xpath("//form"):
        fields = {i.get("name"): i.get("value", "") for i in form.iter("input") if i.get("name")}
        if with_field in fields:
            return form.get("action"), fields
    raise AssertionError(f"no form with a field {with_field!r} in: {html[:800]!r}")


def start(client, username: str):
    """Ask the login URL for ``username``; return the response (a redirect to the IdP when the org uses SSO)."""
    return client.get("/login", {"username": username})


def sign_in_at_idp(client, idp_redirect, username: str, password: str):
    """Follow the redirect to the dev IdP and sign in there; return the IdP's final response."""
    assert idp_redirect.status_code == 302, idp_redirect.content[:500]
    page = client.get(local(idp_redirect["Location"]))
    assert page.status_code == 200, page.content[:500]
    action, fields = form_fields(page.content, "username")
    return client.post(local(action), {**fields, "username": username, "password": password})


def post_to_acs(client, idp_answer):
    """Post the dev IdP's auto-submitting form to the console's ACS, as the browser's script would."""
    assert idp_answer.status_code == 200, idp_answer.content[:500]
    action, fields = form_fields(idp_answer.content, "SAMLResponse")
    return client.post(local(action), fields)


def sso_sign_in(client, username: str, password: str):
    """Walk login → dev IdP → ACS; return the ACS's response."""
    return post_to_acs(client, sign_in_at_idp(client, start(client, username), username, password))
