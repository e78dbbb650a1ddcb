"""Drive the dev IdP's SSO endpoint over Django's test client, as a browser would."""

from __future__ import annotations

import base64
import re

import lxml.html

from devidp.conftest import USER_PASSWORD
from devidp.saml_client import (
    authn_request,
    post_encode,
    read_autopost,
    read_signin_form,
    redirect_encode,
)


def send_request(
    client,
    directory,
    *,
    binding: str = "redirect",
    relay_state: str | None = "rs-token-1",
    **request_kwargs,
):
    """Send an AuthnRequest to ``/devidp/<tenant>/saml2``; return (request ID, HTTP response)."""
    request_id, xml = authn_request(**request_kwargs)
    params = {"SAMLRequest": redirect_encode(xml) if binding == "redirect" else post_encode(xml)}
    if relay_state is not None:
        params["RelayState"] = relay_state
    url = f"/devidp/{directory.id}/saml2"
    response = client.get(url, params) if binding == "redirect" else client.post(url, params)
    return request_id, response


def submit_sign_in(client, signin_page, username: str, password: str = USER_PASSWORD):
    """Fill in and post the sign-in form of ``signin_page``."""
    fields = read_signin_form(signin_page.content)
    action = fields.pop("action")
    return client.post(action, {**fields, "username": username, "password": password})


def response_xml(page) -> tuple[bytes, dict[str, str]]:
    """Return the decoded SAMLResponse and the form fields of an auto-post page."""
    fields = read_autopost(page.content)
    return base64.b64decode(fields["SAMLResponse"]), fields


def sign_in_flow(client, directory, username: str, password: str = USER_PASSWORD, **kwargs):
    """Request, sign in, and return (request ID, response XML, form fields)."""
    request_id, page = send_request(client, directory, **kwargs)
    assert page.status_code == 200, page.content
    done = submit_sign_in(client, page, username, password)
    assert done.status_code == 200, done.content
    xml, fields = response_xml(done)
    return request_id, xml, fields


def assert_error_page(response, code: str, status: int | None = None):
    """The page names the AADSTS code and shows Request Id, Correlation Id and Timestamp."""
    if status is not None:
        assert response.status_code == status
    assert 400 <= response.status_code < 500
    text = lxml.html.fromstring(response.content).text_content()
    assert "Sorry, but we're having trouble signing you in." in text
    assert f"{code}:" in text
    for label in ("Request Id:", "Correlation Id:", "Timestamp:"):
        assert label in text
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", text)
    assert b"SAMLResponse" not in response.content
    return text
