"""Security review of the sign-in paths: pins for the checks that held.

Session fixation, test mode never signing anyone in, a test-mode answer
refused as a real sign-in, and a provider of another tenant that cannot be
picked. Each runs the real validator on a response signed at test time.
"""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from ssoconsole.accounts import sessions
from ssoconsole.sso import outstanding
from ssoconsole.sso.signin_models import SignInRequest

from . import helpers


def test_sso_sign_in_gives_the_browser_a_new_session_id(browser_client, sso_user, tenant):
    """A session id planted before sign-in (fixation) is worthless after it."""
    c = browser_client.client
    session = c.session
    session["planted"] = True
    session.save()
    planted = session.session_key
    c.cookies[settings.SESSION_COOKIE_NAME] = planted
    started = browser_client.start(sso_user.username)
    response = browser_client.post_acs(
        helpers.answer(tenant, started["id"], sso_user.username), started["relay_state"]
    )
    assert response.status_code == 303
    assert c.cookies[settings.SESSION_COOKIE_NAME].value != planted
    assert c.session[sessions.METHOD] == "saml"


def test_a_test_mode_answer_signs_nobody_in_and_cannot_be_reused_for_a_real_sign_in(
    browser_client,
    sso_user,
    tenant,
    provider,
    make_user,
):
    """The provider test records the assertion as used; the same answer posted against a real request is refused."""
    from ssoconsole.accounts.roles import Role

    admin = make_user("idadmin@example.org", roles=[Role.IDENTITY_ADMIN])
    admin_browser = Client()
    admin_browser.force_login(admin)
    start = admin_browser.post(f"/console/identity-management/providers/{provider.id}/test")
    assert start.status_code == 302
    started = helpers.parse_redirect(start["Location"])
    value = helpers.answer(tenant, started["id"], sso_user.username)
    result = admin_browser.post(
        f"/sso/{tenant.id}/acs", {"SAMLResponse": value, "RelayState": started["relay_state"]}
    )
    assert result.status_code == 303 and "/test/results/" in result["Location"]
    assert (
        admin_browser.get("/api/v1/me").json()["username"] == admin.username
    )  # still the admin, not sso_user
    # The same answer, posted by a browser with a real outstanding request, is refused (InResponseTo and replay).
    real = browser_client.start(sso_user.username)
    refused = browser_client.post_acs(value, real["relay_state"])
    assert refused.status_code >= 400 and browser_client.me().status_code == 401


def test_a_non_admin_cannot_start_test_mode(sso_user, provider, make_user):
    plain = make_user("plain@example.org")
    c = Client()
    c.force_login(plain)
    assert c.post(f"/console/identity-management/providers/{provider.id}/test").status_code == 403
    assert not SignInRequest.objects.filter(test_mode=True).exists()


def test_a_provider_of_another_tenant_cannot_be_chosen(
    browser_client, sso_user, tenant, other_tenant
):
    """The choice is looked up among the user's tenant's providers only."""
    helpers.make_provider(
        tenant,
        "Okta Workforce",
        entity_id=helpers.ENTITY_B,
        sso_url=helpers.SSO_URL_B,
        kp=helpers.key("idp-b"),
    )
    foreign = helpers.make_provider(
        other_tenant,
        "Foreign",
        entity_id="https://foreign.example/idp",
        sso_url="https://foreign.example/sso",
        kp=helpers.key("idp-c"),
    )
    response = browser_client.client.post(
        "/sso/choose-provider", {"username": sso_user.username, "provider": str(foreign.id)}
    )
    assert response.status_code == 400
    assert not SignInRequest.objects.filter(provider=foreign).exists()


def test_the_return_path_cannot_leave_the_site(browser_client, sso_user, tenant):
    """Whatever ``next`` says, the ACS sends the browser to a same-origin path."""
    for hostile in (
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/%09/evil.example",
        "\\\\evil.example",
    ):
        started = browser_client.start(sso_user.username, next=hostile)
        record = SignInRequest.objects.get(request_id=started["id"])
        assert record.return_path.startswith("/") and not record.return_path.startswith(
            ("//", "/\\")
        )
        assert outstanding.safe_next(record.return_path) == record.return_path
