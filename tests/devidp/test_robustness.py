"""Nothing posted to a dev IdP endpoint produces a 5xx (docs/rules.md#no-5xx), whatever the input."""

from __future__ import annotations

import base64
import zlib

import pytest

pytestmark = pytest.mark.django_db

JUNK = [
    {},
    {"SAMLRequest": "\x00\xff\u202e"},
    {"SAMLRequest": "A" * 600_000},
    {"SAMLRequest": base64.b64encode(b"\x00" * 1000).decode()},
    {
        "SAMLRequest": base64.b64encode(zlib.compress(b"<x/>")).decode()
    },  # zlib header, not raw DEFLATE
    {"SAMLRequest": base64.b64encode(b"<" * 5000).decode(), "RelayState": "r" * 5000},
    {"SAMLRequest": base64.b64encode(b"<a>" * 5000).decode()},  # deeper than the parser allows
    {
        "SAMLRequest": "PHg+",
        "username": "a" * 10_000,
        "password": "p" * 10_000,
        "ctx": "'\"><script>",
    },
]


@pytest.mark.parametrize("fields", JUNK)
@pytest.mark.parametrize("endpoint", ["saml2", "saml2/signin", "myapps", "signout"])
def test_junk_never_causes_a_server_error(client, directory, app, endpoint, fields):
    url = f"/devidp/{directory.id}/{endpoint}"
    assert client.post(url, fields).status_code < 500
    assert client.get(url, fields).status_code < 500


def test_a_forged_sign_in_context_is_not_reflected(client, directory, app):
    response = client.post(f"/devidp/{directory.id}/saml2/signin", {"ctx": "<b>injected</b>"})
    assert response.status_code == 400 and b"injected" not in response.content
