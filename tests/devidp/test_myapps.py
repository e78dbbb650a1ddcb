"""My Apps: tiles of visible apps start SP-initiated sign-in through the Sign on URL."""

from __future__ import annotations

import lxml.html
import pytest

from devidp.conftest import USER_PASSWORD
from devidp.saml_client import SP_SIGN_ON
from ssoconsole.devidp import services

pytestmark = pytest.mark.django_db


def _sign_in(client, directory, upn):
    response = client.post(
        f"/devidp/{directory.id}/myapps", {"username": upn, "password": USER_PASSWORD}
    )
    assert response.status_code == 302
    return lxml.html.fromstring(client.get(f"/devidp/{directory.id}/myapps").content)


def _tiles(page):
    return {
        a.findtext(".//span[@class='tile-name']"): a.get("href")
        for a in page.xpath("//a[contains(@class, 'tile')]")
    }


def test_my_apps_asks_for_sign_in_first(client, directory, app):
    page = client.get(f"/devidp/{directory.id}/myapps")
    assert page.status_code == 200 and b'name="password"' in page.content
    bad = client.post(
        f"/devidp/{directory.id}/myapps",
        {"username": "alice@contoso.example", "password": "wrong-password"},
    )
    assert b"Your account or password is incorrect." in bad.content


def test_visible_app_tile_links_to_the_sign_on_url(client, directory, app, alice):
    tiles = _tiles(_sign_in(client, directory, "alice@contoso.example"))
    assert tiles == {"ssoconsole": SP_SIGN_ON}


def test_hidden_or_disabled_apps_have_no_tile(client, directory, app, alice):
    services.set_properties(
        app, enabled_for_sign_in=True, assignment_required=False, visible_to_users=False
    )
    assert _tiles(_sign_in(client, directory, "alice@contoso.example")) == {}
    services.set_properties(
        app, enabled_for_sign_in=False, assignment_required=False, visible_to_users=True
    )
    assert _tiles(lxml.html.fromstring(client.get(f"/devidp/{directory.id}/myapps").content)) == {}


def test_assignment_required_shows_the_tile_to_assigned_users_only(
    client, directory, app, alice, bob
):
    services.set_properties(
        app, enabled_for_sign_in=True, assignment_required=True, visible_to_users=True
    )
    assert _tiles(_sign_in(client, directory, "bob@contoso.example")) == {}
    client.post(f"/devidp/{directory.id}/signout")
    assert len(_tiles(_sign_in(client, directory, "alice@contoso.example"))) == 1


def test_app_without_sign_on_url_is_explained_not_tiled(client, directory, alice):
    services.create_app(
        directory,
        "No sign-on",
        identifier="https://x.example.test/",
        reply_urls=["https://x.example.test/acs"],
        assignment_required=False,
    )
    page = _sign_in(client, directory, "alice@contoso.example")
    assert _tiles(page) == {}
    assert "No sign-on" in page.text_content() and "no Sign on URL" in page.text_content()


def test_my_apps_session_is_the_sso_session(client, directory, app, alice):
    """Signing in on My Apps signs in to the IdP: the tile's SP-initiated request needs no second prompt."""
    from devidp.driver import send_request

    _sign_in(client, directory, "alice@contoso.example")
    _, page = send_request(client, directory)
    assert b"SAMLResponse" in page.content
