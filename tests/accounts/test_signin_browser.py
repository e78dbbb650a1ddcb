"""Password sign-in and sign-out in a real browser (Debian's chromium through Playwright)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_user_signs_in_with_a_password_and_signs_out(page, app_url, plain_user, password):
    """Username, then password, lands on the requested page; signing out shows the no-SLO notice."""
    page.goto(f"{app_url}/login?next=/logout")
    assert page.locator('input[type="password"]').count() == 0
    page.fill("#id_username", plain_user.username)
    page.click("main button[type=submit]")
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{app_url}/logout")
    assert plain_user.username in page.content()
    page.click("main button[type=submit]")
    page.wait_for_url(f"{app_url}/signed-out")
    assert "identity provider session stays open" in page.content()


def test_a_wrong_password_shows_the_message_in_the_browser(page, app_url, plain_user):
    """The refusal appears on the password step, with the username kept."""
    page.goto(f"{app_url}/login?username={plain_user.username}")
    page.fill("#id_password", "definitely-not-it")
    page.click("main button[type=submit]")
    assert "The username or password is incorrect" in page.content()
    assert page.locator('input[type="password"]').count() == 1
