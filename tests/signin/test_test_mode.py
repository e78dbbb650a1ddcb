"""Testing a provider: a sign-in in test mode shows every check and signs nobody in (docs/rules.md#testing-a-provider)."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from ssoconsole.accounts.models import ConsoleSession
from ssoconsole.audit.models import AuditEvent
from ssoconsole.sso import test_mode
from ssoconsole.sso.signin_models import SignInRequest, SignInTestResult

from . import helpers


@pytest.fixture
def admin_browser(browser_client, identity_admin, password):
    response = browser_client.client.post(
        "/login", {"step": "password", "username": identity_admin.username, "password": password}
    )
    assert response.status_code == 302
    return browser_client


def _start_test(admin_browser, provider) -> dict:
    url = reverse("sso:provider-test", args=[provider.id])
    assert admin_browser.client.get(url).status_code == 200
    response = admin_browser.client.post(url)
    assert response.status_code == 302
    started = helpers.parse_redirect(response["Location"])
    assert SignInRequest.objects.get(request_id=started["id"]).test_mode
    return started


def _sessions_now() -> set:
    return set(ConsoleSession.objects.values_list("session_key", flat=True))


def test_a_passing_test_shows_each_step_and_signs_nobody_in(
    admin_browser, provider, sso_user, tenant, identity_admin
):
    started = _start_test(admin_browser, provider)
    sessions_before = _sessions_now()
    value = helpers.answer(tenant, started["id"], sso_user.username)
    response = admin_browser.post_acs(value, started["relay_state"])
    assert response.status_code == 303
    assert _sessions_now() == sessions_before  # nobody signed in; the admin's own session unchanged
    assert admin_browser.me().json()["username"] == identity_admin.username
    page = html.unescape(admin_browser.client.get(response["Location"]).content.decode())
    assert 'data-outcome="passed"' in page
    for key in ("request", "validation", "mapping", "user", "org", "replay"):
        assert f'data-step="{key}" data-state="passed"' in page
    assert sso_user.username in page and "Entra ID" in page and "Test" in page
    assert (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname" in page
        and "Alice" in page
    )
    assert "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" in page
    result = SignInTestResult.objects.get(provider=provider)
    assert result.passed and abs(result.report["clock"]["differenceSeconds"]) < 30
    assert result.report["effectiveProvider"] == "Entra ID" and result.report["org"] == "Test"
    assert not AuditEvent.objects.filter(action="auth.signin", actor_id=sso_user.id).exists()
    assert AuditEvent.objects.filter(action="auth_provider.tested", outcome="success").exists()


def test_a_failing_test_names_the_failed_check_with_the_cores_code(
    admin_browser, provider, sso_user, tenant
):
    started = _start_test(admin_browser, provider)
    value = helpers.answer(
        tenant, started["id"], sso_user.username, audience="https://wrong.example/"
    )
    response = admin_browser.post_acs(value, started["relay_state"])
    report = SignInTestResult.objects.get(provider=provider).report
    steps = {s["key"]: s for s in report["steps"]}
    assert (
        steps["validation"]["state"] == "failed"
        and steps["validation"]["code"] == "saml.audience_mismatch"
    )
    assert "Expected" in steps["validation"]["message"]
    assert steps["mapping"]["state"] == "not run"
    assert (
        report["unverified"]["Issuer"] == helpers.ENTITY_A
        and report["clock"]["differenceSeconds"] is not None
    )
    page = html.unescape(admin_browser.client.get(response["Location"]).content.decode())
    assert "saml.audience_mismatch" in page and 'data-outcome="failed"' in page


def test_a_user_of_an_org_without_the_provider_is_shown_with_the_orgs_effective_setting(
    admin_browser,
    provider,
    tenant,
    make_user,
):
    """The test explains why a real sign-in would fail: the org and its effective provider."""
    outsider = make_user("outsider@example.org")
    started = _start_test(admin_browser, provider)
    admin_browser.post_acs(
        helpers.answer(tenant, started["id"], outsider.username), started["relay_state"]
    )
    report = SignInTestResult.objects.get(provider=provider).report
    steps = {s["key"]: s for s in report["steps"]}
    assert steps["user"]["state"] == "passed" and steps["org"]["code"] == "sso.org_not_using_sso"
    assert report["effectiveProvider"] == "password sign-in"
    assert not ConsoleSession.objects.filter(user_id=outsider.id).exists()


def test_only_the_last_results_are_kept(admin_browser, provider, sso_user, tenant, monkeypatch):
    monkeypatch.setattr(test_mode, "KEEP_RESULTS", 2)
    for _ in range(3):
        started = _start_test(admin_browser, provider)
        admin_browser.post_acs(
            helpers.answer(tenant, started["id"], sso_user.username), started["relay_state"]
        )
    assert SignInTestResult.objects.filter(provider=provider).count() == 2


def test_only_identity_admins_may_test_a_provider(signed_in_client, org_admin, provider):
    """Capability identity.manage."""
    client = signed_in_client(org_admin)
    url = reverse("sso:provider-test", args=[provider.id])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403


def test_another_tenants_provider_cannot_be_tested(identity_admin_client, other_tenant):
    foreign = helpers.make_provider(other_tenant, "Foreign")
    assert (
        identity_admin_client.get(reverse("sso:provider-test", args=[foreign.id])).status_code
        == 404
    )
