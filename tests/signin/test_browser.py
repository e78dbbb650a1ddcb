"""A real browser signs in through pysaml2 as the identity provider, end to end.

pysaml2 is a SAML implementation nobody on this project wrote; it parses our
AuthnRequest, signs the assertion with xmlsec1 and posts it back through an
auto-submitting form, the way an IdP's login page does. The IdP runs on
127.0.0.1 on its own port, so the POST back to the console is a
cross-origin but same-site request: the binding cookie (SameSite=Lax on
plain http) must come back with it, which this test proves in Chromium.
"""

from __future__ import annotations

import html
import os
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from ssoconsole.sso.providers import create_provider
from ssoconsole.sso.sp_identity import sp_metadata_xml
from ssoconsole.tenancy.services import set_org_sso

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "saml"))
from pysaml2_idp import BINDING_REDIRECT, PysamlIdP, User, post_form  # noqa: E402

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IDP_PASSWORD = "pysaml2-test-password"


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass


class LoginPageIdP:
    """pysaml2's IdP behind a minimal login page: the request is checked, the user types a password, then pysaml2
    answers with a signed response in an auto-posting form."""

    def __init__(self, idp: PysamlIdP) -> None:
        self.idp = idp
        self.signed_in: list[str] = []

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/sso/redirect" and method == "GET":
            query = environ.get("QUERY_STRING", "")
            request = self.idp.parse_authn_request(
                query, binding=BINDING_REDIRECT
            )  # refuses what pysaml2 refuses
            page = (
                "<!DOCTYPE html><html><body><h1>pysaml2 test IdP</h1>"
                f"<p>Sign in for {html.escape(request.issuer)}</p>"
                '<form method="post" action="/login">'
                f'<input type="hidden" name="query" value="{html.escape(query, quote=True)}">'
                '<label>Email <input id="idp-email" name="email"></label>'
                '<label>Password <input id="idp-password" name="password" type="password"></label>'
                '<button id="idp-submit" type="submit">Sign in</button></form></body></html>'
            )
            return self._reply(start_response, "200 OK", page.encode())
        if path == "/login" and method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = {
                k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()
            }
            if form.get("password") != IDP_PASSWORD:
                return self._reply(start_response, "401 Unauthorized", b"wrong password")
            request = self.idp.parse_authn_request(form["query"], binding=BINDING_REDIRECT)
            user = User(email=form["email"], given_name="Ada", surname="Lovelace")
            acs_url, value = self.idp.answer(request, user=user)
            self.signed_in.append(form["email"])
            return self._reply(
                start_response, "200 OK", post_form(acs_url, value, request.relay_state)
            )
        return self._reply(start_response, "404 Not Found", b"not found")

    @staticmethod
    def _reply(start_response, status, body: bytes):
        start_response(
            status,
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]


@contextmanager
def served_idp(workdir: Path, sp_metadata: bytes):
    """Serve pysaml2 with the login page on a free loopback port, in a thread."""
    httpd = make_server("127.0.0.1", 0, lambda e, s: [], handler_class=_Quiet)
    idp = PysamlIdP(
        workdir=workdir,
        sp_metadata=[sp_metadata],
        base_url=f"http://127.0.0.1:{httpd.server_address[1]}",
    )
    app = LoginPageIdP(idp)
    httpd.set_app(app)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def console_url(app_url, settings) -> str:
    """The live server under 127.0.0.1, the host the IdP uses too (pytest-django names it localhost)."""
    url = app_url.replace("://localhost:", "://127.0.0.1:")
    settings.SSOCONSOLE_BASE_URL = url
    return url


def _sign_in_at_the_idp(page, start_url: str, username: str, idp_app) -> None:
    page.goto(start_url)
    page.fill("#id_username", username)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{idp_app.idp.base_url}/sso/redirect?*")
    page.fill("#idp-email", "Ada.Lovelace@example.org")
    page.fill("#idp-password", IDP_PASSWORD)
    page.click("#idp-submit")


@pytest.fixture
def ada(tenant, make_org, make_user):
    org = make_org("Test")
    return make_user("ada.lovelace@example.org", org=org, password=None)


def _provider_for(tenant, ada, idp_app):
    provider = create_provider(tenant, "pysaml2", metadata_xml=idp_app.idp.metadata_xml())
    set_org_sso(ada.org, "provider", provider.id)
    return provider


def test_chromium_signs_in_through_the_pysaml2_idp_and_lands_in_the_console(
    page, console_url, tenant, ada, tmp_path
):
    with served_idp(tmp_path, sp_metadata_xml(tenant)) as idp_app:
        _provider_for(tenant, ada, idp_app)
        _sign_in_at_the_idp(page, f"{console_url}/login?next=/console/", ada.username, idp_app)
        page.wait_for_url(f"{console_url}/console/")
        assert idp_app.signed_in == ["Ada.Lovelace@example.org"]
        me = page.request.get(f"{console_url}/api/v1/me")
        assert me.status == 200 and me.json()["username"] == ada.username
        assert me.json()["firstName"] == "Ada" and me.json()["lastName"] == "Lovelace"
        assert "ssoconsole_session" in {c["name"] for c in page.context.cookies()}


def test_a_cookie_the_browser_withholds_is_named_on_the_page(page, app_url, tenant, ada, tmp_path):
    """Console on localhost, IdP on 127.0.0.1: two sites, so Chromium withholds the Lax cookie on the POST back.

    This is REFERENCES' "request-state cookie lost on the cross-site POST",
    live: the page names it instead of a generic InResponseTo failure.
    """
    with served_idp(tmp_path, sp_metadata_xml(tenant)) as idp_app:
        _provider_for(tenant, ada, idp_app)
        _sign_in_at_the_idp(page, f"{app_url}/login", ada.username, idp_app)
        page.wait_for_url(f"{app_url}/sso/{tenant.id}/acs")
        assert "sso.request_cookie_missing" in page.content()
        assert "did not send back the sign-in cookie" in page.content()
        assert page.request.get(f"{app_url}/api/v1/me").status == 401
