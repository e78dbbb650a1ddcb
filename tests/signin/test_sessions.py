"""What a successful SSO sign-in leaves behind: the session, its lifetime, the names, the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ssoconsole.accounts import sessions
from ssoconsole.accounts.models import ConsoleSession
from ssoconsole.audit.models import AuditEvent
from ssoconsole.sso.signin_models import ConsumedAssertion, SignInRequest

from . import helpers


def _sign_in(browser_client, user, tenant, **answer_options):
    started = browser_client.start(user.username, next="/console/users/")
    value = helpers.answer(
        browser_client.tenant, started["id"], user.username.upper(), **answer_options
    )
    return started, browser_client.post_acs(value, started["relay_state"])


def _deadline(browser_client) -> datetime:
    session = browser_client.client.session
    return datetime.fromtimestamp(session[sessions.DEADLINE], tz=UTC)


def test_a_user_signs_in_and_lands_on_the_page_asked_for(
    browser_client, sso_user, tenant, provider
):
    """303 to the return path; the session's method is saml; the success is audited with the provider."""
    started, response = _sign_in(browser_client, sso_user, tenant)
    assert response.status_code == 303 and response["Location"] == "/console/users/"
    assert browser_client.me().json()["username"] == sso_user.username
    assert browser_client.client.session[sessions.METHOD] == "saml"
    event = AuditEvent.objects.get(action="auth.signin", outcome="success", actor_id=sso_user.id)
    assert event.data["method"] == "saml" and event.data["providerId"] == str(provider.id)
    assert SignInRequest.objects.get(request_id=started["id"]).consumed_at is not None
    assert ConsumedAssertion.objects.filter(assertion_id=event.data["assertionId"]).exists()


def test_the_username_is_matched_without_regard_to_case(browser_client, sso_user, tenant):
    """REFERENCES complaint 8: Ada.Lovelace@… at the console and ADA.LOVELACE@… at the IdP are one user."""
    _, response = _sign_in(browser_client, sso_user, tenant)
    assert response.status_code == 303


def test_first_and_last_name_are_updated_from_the_assertion_and_audited(
    browser_client, sso_user, tenant
):
    """docs/rules.md#usernames-must-match: first and last name are updated from the mapping."""
    _sign_in(browser_client, sso_user, tenant)
    sso_user.refresh_from_db()
    assert (sso_user.first_name, sso_user.last_name) == ("Alice", "Example")
    change = AuditEvent.objects.get(action="user.updated", target_id=str(sso_user.id))
    assert change.data["before"] == {"firstName": "A", "lastName": "L"}
    assert change.data["after"] == {"firstName": "Alice", "lastName": "Example"}
    assert change.actor_label == "sso:Entra ID"


def test_unchanged_names_write_no_audit_event(browser_client, sso_user, tenant):
    sso_user.first_name, sso_user.last_name = "Alice", "Example"
    sso_user.save()
    _sign_in(browser_client, sso_user, tenant)
    assert not AuditEvent.objects.filter(action="user.updated", target_id=str(sso_user.id)).exists()


def test_the_session_ends_with_the_idp_session(browser_client, sso_user, tenant):
    """docs/rules.md#session-lifetime: sessions last until SessionNotOnOrAfter when that comes before the tenant's maximum."""
    ends = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    _sign_in(browser_client, sso_user, tenant, session_not_on_or_after=ends)
    assert abs((_deadline(browser_client) - ends).total_seconds()) < 1


def test_the_session_is_capped_by_the_tenants_maximum(browser_client, sso_user, tenant):
    """A SessionNotOnOrAfter days away is capped at the tenant's maximum (here 4 hours)."""
    tenant.max_session_hours = 4
    tenant.save()
    before = datetime.now(UTC)
    _sign_in(browser_client, sso_user, tenant, session_not_on_or_after=before + timedelta(days=3))
    deadline = _deadline(browser_client)
    assert (
        before + timedelta(hours=4) - timedelta(seconds=5)
        <= deadline
        <= before + timedelta(hours=4, seconds=5)
    )


def test_without_sessionnotonorafter_the_tenants_maximum_applies(browser_client, sso_user, tenant):
    before = datetime.now(UTC)
    _sign_in(browser_client, sso_user, tenant)
    hours = tenant.max_session_hours
    assert abs((_deadline(browser_client) - (before + timedelta(hours=hours))).total_seconds()) < 5


def test_signing_out_ends_the_console_session_only_and_says_the_idp_session_stays_open(
    browser_client, sso_user, tenant
):
    """docs/rules.md#no-single-logout: no Single Logout; the signed-out page says so, for SSO sessions too."""
    _sign_in(browser_client, sso_user, tenant)
    response = browser_client.client.post("/logout", follow=True)
    assert "identity provider session stays open" in response.content.decode()
    assert browser_client.me().status_code == 401
    assert ConsoleSession.objects.count() == 0


def test_the_sp_metadata_offers_no_single_logout(client, tenant):
    response = client.get(f"/sso/{tenant.id}/metadata")
    assert response.status_code == 200 and b"SingleLogoutService" not in response.content
