"""A sign-in link followed from another site asks for a click instead of leaving for the IdP at once."""

from __future__ import annotations

import pytest

from ssoconsole.sso.models import SignInRequest


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_REFERER": "https://evil.example/page"},
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
    ],
)
def test_a_foreign_page_gets_the_username_step_with_a_button_and_starts_nothing(
    client, sso_user, tenant, headers
):
    response = client.get("/login", {"username": sso_user.username}, **headers)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="step" value="username"' in body and sso_user.username in body
    assert "select Continue to sign in" in body
    assert SignInRequest.objects.filter(tenant=tenant).count() == 0


def test_hundreds_of_foreign_images_spend_no_rate(client, sso_user, settings, clock):
    """What an <img> on another site triggers costs the office nothing: the person's own click still works."""
    settings.SSOCONSOLE_THROTTLE = {"sso-start-address": (1, 900, 1)}
    for _ in range(200):
        client.get("/login", {"username": sso_user.username}, HTTP_SEC_FETCH_SITE="cross-site")
    clicked = client.post("/login", {"step": "username", "username": sso_user.username})
    assert clicked.status_code == 302


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_SEC_FETCH_SITE": "none"},
        {},
        {"HTTP_REFERER": "http://testserver/login"},
    ],
)
def test_own_pages_typed_urls_and_bookmarks_go_straight_on(client, sso_user, settings, headers):
    settings.SSOCONSOLE_BASE_URL = "http://testserver"
    response = client.get("/login", {"username": sso_user.username}, **headers)
    assert response.status_code == 302
