"""Signing in and creating a user with the keyboard alone, in Chromium.

Each step presses keys (Tab, Enter, typing) and checks where the focus is,
that the focus ring is the console's (3:1 or more against the page), and,
after a refused submit, that the error summary has the focus and leads to
the field to fix.
"""

from __future__ import annotations

import pytest

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import User
from ssoconsole.tenancy import services as tenancy

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUS_RING = "rgb(91, 33, 182) solid 3px"  # --focus in console.css: 9:1 against white


def focused(page) -> dict:
    """Describe the focused element: its id, name, tag and computed outline."""
    return page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
          return {id: e.id, name: e.getAttribute('name'), tag: e.tagName.toLowerCase(),
                  text: (e.textContent || '').trim().slice(0, 40),
                  outline: `${s.outlineColor} ${s.outlineStyle} ${s.outlineWidth}`}; }"""
    )


@pytest.fixture
def admin(db):
    tenant = tenancy.create_tenant("Acme Corporation")
    tenancy.create_org(tenant, "Engineering")
    return accounts.create_user(
        tenant,
        "admin@acme.example",
        org=tenancy.top_org(tenant),
        roles=["identity-admin", "org-admin"],
        first_name="Avery",
        password=PASSWORD,
    )


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_sign_in_and_create_a_user_with_the_keyboard_alone(page, admin):
    page.goto("/login")
    assert focused(page)["id"] == "id_username"  # the only field of step 1 has the focus
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    skip = focused(page)
    assert skip["text"] == "Skip to content" and skip["outline"] == "rgb(255, 255, 255) solid 3px"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_username"
    page.keyboard.type("admin@acme.example")
    page.keyboard.press("Enter")
    page.wait_for_selector("#id_password")
    assert focused(page)["id"] == "id_password"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    username = focused(page)  # the read-only username field that password managers pair
    assert (username["id"], username["outline"]) == ("id_username", FOCUS_RING)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/")

    page.goto("/console/users/new/")
    page.focus("#id_username")
    order = []
    for _ in range(12):
        now = focused(page)
        order.append(now["id"] or now["text"])
        assert now["outline"] == FOCUS_RING, now
        if now["text"] == "Create user":
            break
        page.keyboard.press("Tab")
    assert order[:5] == ["id_username", "id_first_name", "id_last_name", "id_email", "id_org"]
    assert order[-1] == "Create user" and "id_password" in order

    page.keyboard.press("Enter")  # nothing filled in: refused
    page.wait_for_selector("#error-summary")
    assert page.title().startswith("Error: New user")
    assert focused(page)["id"] == "error-summary"
    page.keyboard.press("Tab")
    link = focused(page)
    assert link["tag"] == "a" and link["text"].startswith("Username")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "id_username"
    page.keyboard.type("kim@acme.example")
    page.focus("#id_org")
    page.keyboard.press("ArrowDown")  # the top org, then Engineering
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Shift+Tab")  # back to the e-mail field, where Enter submits the form
    assert focused(page)["id"] == "id_email"
    page.keyboard.press("Enter")
    page.wait_for_selector(".message-success")
    created = User.objects.get(username="kim@acme.example")
    assert created.org.name == "Engineering"
