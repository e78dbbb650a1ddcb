"""Finding 4 (second half): an SSO answer never silently replaces another user's session in the browser.

The attack, over HTTP on the live server: the victim is signed in; a foreign
page walks the victim's browser through a sign-in as the attacker, and the
attacker's IdP answers validly. Before, the ACS replaced the victim's
session with the attacker's. Now the ACS asks "You are signed in as X.
Continue as Y?" and nothing changes until the person chooses, with a
CSRF-protected POST from that page. A real browser does not send the
``SameSite=Lax`` session cookie with the IdP's cross-site POST; the test
sends the ACS POST without it as well, carrying only the marker cookie.
"""

from __future__ import annotations

import html

import pytest

from ssoconsole.accounts.browser_marker import MARKER_COOKIE
from ssoconsole.audit.models import AuditEvent

from .live import csrf_token, signin_helpers

pytestmark = pytest.mark.django_db(transaction=True)


def _post_without_session(visitor, tenant, value, started):
    """POST the IdP's answer as a browser does cross-site: without the Lax session cookie."""
    saved = visitor.http.cookies.get("ssoconsole_session")
    visitor.http.cookies.set("ssoconsole_session", None)
    try:
        return visitor.post(
            f"/sso/{tenant.id}/acs", {"SAMLResponse": value, "RelayState": started["relay_state"]}
        )
    finally:
        if saved is not None:
            visitor.http.cookies.set("ssoconsole_session", saved)


@pytest.fixture
def victim_browser(make_user, new_visitor, password):
    victim = make_user("victim@csrf.test")
    return new_visitor().sign_in(victim.username, password)


@pytest.fixture
def attacker(make_user, sso_org):
    return make_user("attacker@csrf.test", org=sso_org, password=None)


def test_a_cross_site_sign_in_as_another_user_asks_instead_of_replacing_the_session(
    app_url, tenant, attacker, victim_browser
):
    assert MARKER_COOKIE in victim_browser.http.cookies
    started = victim_browser.sso_start(attacker.username)
    value = signin_helpers.answer(tenant, started["id"], attacker.username)
    asked = _post_without_session(victim_browser, tenant, value, started)
    assert asked.status_code == 200
    page = html.unescape(asked.text)
    assert "You are signed in as victim@csrf.test. Continue as attacker@csrf.test?" in page
    assert victim_browser.me().json()["username"] == "victim@csrf.test", "nothing replaced yet"
    stay = victim_browser.post(
        "/sso/switch", {"decision": "stay", "csrfmiddlewaretoken": csrf_token(asked.text)}
    )
    assert stay.status_code == 302
    assert victim_browser.me().json()["username"] == "victim@csrf.test"
    assert AuditEvent.objects.filter(reason_code="sso.switch_declined").exists()


def test_the_person_may_continue_as_the_other_user_deliberately(
    app_url, tenant, attacker, victim_browser
):
    started = victim_browser.sso_start(attacker.username)
    asked = victim_browser.post_acs(tenant, started, attacker.username)  # same-site: cookie sent
    assert asked.status_code == 200 and "Continue as attacker@csrf.test" in asked.text
    went_on = victim_browser.post(
        "/sso/switch", {"decision": "continue", "csrfmiddlewaretoken": csrf_token(asked.text)}
    )
    assert went_on.status_code == 302 and went_on.headers["Location"] == "/console/"
    assert victim_browser.me().json()["username"] == "attacker@csrf.test"


def test_the_choice_needs_the_pages_csrf_token_and_its_pending_cookie(
    app_url, tenant, attacker, victim_browser, new_visitor
):
    started = victim_browser.sso_start(attacker.username)
    asked = victim_browser.post_acs(tenant, started, attacker.username)
    assert victim_browser.post("/sso/switch", {"decision": "continue"}).status_code == 403
    stranger = new_visitor()
    stranger.get("/login")
    refused = stranger.post(
        "/sso/switch", {"decision": "continue", "csrfmiddlewaretoken": csrf_token(asked.text)}
    )
    assert refused.status_code in (400, 403)
    assert stranger.me().status_code == 401
    assert victim_browser.me().json()["username"] == "victim@csrf.test"


def test_signing_in_again_as_the_same_user_asks_nothing(
    app_url, tenant, sso_org, make_user, new_visitor
):
    user = make_user("same@csrf.test", org=sso_org, password=None)
    browser = new_visitor()
    first = browser.sso_start(user.username)
    assert browser.post_acs(tenant, first, user.username).status_code == 303
    # A later sign-in of the same person, the IdP's POST carrying only the marker cookie.
    later = new_visitor()
    again = later.sso_start(user.username)
    later.http.cookies.set(MARKER_COOKIE, browser.http.cookies[MARKER_COOKIE])
    assert later.post_acs(tenant, again, user.username).status_code == 303
    assert later.me().json()["username"] == "same@csrf.test"
