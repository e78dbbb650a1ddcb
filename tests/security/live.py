"""A browser and an API client that attack the running app over real HTTP (pytest-django's live server).

Every test in tests/security goes through a socket, the middleware and the
templates exactly as an attacker's requests would, never through Django's
test client: what a header, a cookie or a redirect does is what is checked.
"""

from __future__ import annotations

import itertools
import random
import re

import requests
from requests.adapters import HTTPAdapter
from signin import (
    helpers as signin_helpers,
)  # tests/signin/helpers.py: the test IdP's signed answers

TIMEOUT = 30
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """Return the CSRF token of the first form of a page (the cookie is HttpOnly, as in production)."""
    found = _CSRF.search(html)
    assert found, "the page has no CSRF-protected form"
    return found.group(1)


# Each browser gets its own loopback source address (127.0.0.0/8), as each
# person has their own: the per-address throttles then count one browser's
# refusals, and a test that sends dozens of attacks leaves no count behind
# for the next one.
_addresses = itertools.count(random.randrange(1, 200) * 60_000)


def next_loopback_address() -> str:
    n = next(_addresses) % (254 * 254 * 254)
    return f"127.{n // 64516 % 254 + 1}.{n // 254 % 254 + 1}.{n % 254 + 1}"


class _SourceAddress(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Browser:
    """A cookie jar with the app's base URL and its own loopback address: what one person's browser sends."""

    def __init__(self, base: str) -> None:
        self.base = base.replace("//localhost:", "//127.0.0.1:")
        self.address = next_loopback_address()
        self.http = requests.Session()
        self.http.mount("http://", _SourceAddress(self.address))

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return self.http.get(self.base + path, timeout=TIMEOUT, **kwargs)

    def post(self, path: str, data=None, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return self.http.post(self.base + path, data=data, timeout=TIMEOUT, **kwargs)

    def submit(self, form_path: str, data: dict, *, action: str | None = None) -> requests.Response:
        """GET ``form_path``, then POST ``data`` with the page's CSRF token to ``action`` (default: the same path)."""
        page = self.get(form_path)
        assert page.status_code == 200, (form_path, page.status_code, page.text[:300])
        return self.post(
            action or form_path, {**data, "csrfmiddlewaretoken": csrf_token(page.text)}
        )

    def sign_in(self, username: str, password: str) -> Browser:
        response = self.submit(
            "/login", {"step": "password", "username": username, "password": password}
        )
        assert response.status_code == 302, (username, response.status_code, response.text[:300])
        return self

    def me(self) -> requests.Response:
        return self.get("/api/v1/me")

    def sso_start(self, username: str) -> dict:
        """GET /login?username=...; return the AuthnRequest the app sent to the IdP."""
        response = self.get("/login", params={"username": username})
        assert response.status_code == 302, (response.status_code, response.text[:300])
        return signin_helpers.parse_redirect(response.headers["Location"])

    def post_acs(self, tenant, started: dict, name_id: str, **answer) -> requests.Response:
        """Post the test IdP's signed answer for ``name_id`` to the ACS the request named."""
        value = signin_helpers.answer(tenant, started["id"], name_id, **answer)
        return self.post(
            "/sso/" + str(tenant.id) + "/acs",
            {"SAMLResponse": value, "RelayState": started["relay_state"]},
        )


class Api:
    """Bearer-token JSON calls against the live server; returns the raw response."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}

    def __call__(self, method: str, path: str, body=None) -> requests.Response:
        return requests.request(
            method, self.base + "/api/v1" + path, json=body, headers=self.headers, timeout=TIMEOUT
        )
