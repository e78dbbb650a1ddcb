"""Every refusal of the ACS: a 4xx page with its code, an audit event, and no session (docs/rules.md#sign-in-behaviours, docs/rules.md#bad-input-and-faults).

Each case runs the real validator on a response signed with the test IdP
key; nothing is mocked.
"""

from __future__ import annotations

import hashlib
import html
from datetime import timedelta

import pytest

from ssoconsole.accounts.models import ConsoleSession
from ssoconsole.accounts.services import set_active
from ssoconsole.audit.models import AuditEvent
from ssoconsole.sso import outstanding
from ssoconsole.tenancy.services import set_org_sso

from . import helpers


def assert_refused(response, code: str, *, status: int | None = None, tenant=None, clients=()):
    """The page is a 4xx naming ``code`` with a link to /login; a failure event exists; nobody is signed in."""
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    if status is not None:
        assert response.status_code == status
    page = html.unescape(response.content.decode())
    assert code in page and "/login" in page
    events = AuditEvent.objects.filter(action="auth.signin", outcome="failure", reason_code=code)
    if tenant is not None:
        events = events.filter(tenant=tenant)
    assert events.exists(), f"no audit event for {code}"
    assert events.first().data.get("adminMessage")
    assert not AuditEvent.objects.filter(
        action="auth.signin", outcome="success", data__method="saml"
    ).exists()
    assert ConsoleSession.objects.count() == 0
    for c in clients:
        assert c.me().status_code == 401
    return page


@pytest.fixture
def started(browser_client, sso_user):
    return browser_client.start(sso_user.username)


def test_no_relaystate_is_an_unsolicited_response_that_says_to_start_from_the_login_url(
    browser_client,
    sso_user,
    tenant,
    provider,
):
    """docs/rules.md#sp-initiated-only: IdP-initiated sign-in is refused with a page that points at the login URL (bookmark)."""
    value = helpers.answer(tenant, None, sso_user.username)
    page = assert_refused(
        browser_client.post_acs(value),
        "sso.unsolicited_response",
        tenant=tenant,
        clients=[browser_client],
    )
    assert "bookmark" in page and "login page" in page
    event = AuditEvent.objects.get(reason_code="sso.unsolicited_response")
    assert event.data["providerId"] == str(
        provider.id
    )  # attributed by the (unverified) issuer for the admin's list
    assert event.data["unverifiedIssuer"] == helpers.ENTITY_A


def test_a_response_without_inresponseto_for_a_live_request_is_refused_by_the_core(
    browser_client, sso_user, tenant, started
):
    """The core refuses an answer that names no request, even with a valid RelayState and cookie."""
    value = helpers.answer(tenant, None, sso_user.username)
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "saml.unsolicited_response",
        clients=[browser_client],
    )


def test_an_unknown_relaystate_is_refused(browser_client, sso_user, tenant, started):
    value = helpers.answer(tenant, started["id"], sso_user.username)
    assert_refused(
        browser_client.post_acs(value, "not-one-of-ours"),
        "sso.request_not_found",
        clients=[browser_client],
    )


def test_a_relaystate_of_another_tenant_is_refused(
    browser_client, sso_user, tenant, started, other_tenant
):
    """The ACS of one tenant never completes a sign-in started for another."""
    value = helpers.answer(tenant, started["id"], sso_user.username)
    response = browser_client.post_acs(value, started["relay_state"], tenant_id=other_tenant.id)
    assert_refused(response, "sso.request_not_found", clients=[browser_client])


def test_a_missing_cookie_is_named_as_such(
    browser_client, second_browser, sso_user, tenant, started
):
    """REFERENCES: "request-state cookie lost on the cross-site POST" gets its own code and explanation."""
    value = helpers.answer(tenant, started["id"], sso_user.username)
    page = assert_refused(
        second_browser.post_acs(value, started["relay_state"]),
        "sso.request_cookie_missing",
        clients=[second_browser, browser_client],
    )
    assert "did not send back the sign-in cookie" in page


def test_a_cookie_of_another_sign_in_is_refused(browser_client, sso_user, tenant, started):
    name = outstanding.cookie_name(started["relay_state"])
    browser_client.client.cookies[name] = "forged-value"
    value = helpers.answer(tenant, started["id"], sso_user.username)
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "sso.request_other_browser",
        clients=[browser_client],
    )


def test_an_expired_request_is_refused(browser_client, sso_user, tenant, started, clock):
    """Outstanding requests last a few minutes (10)."""
    clock.advance(minutes=11)
    value = helpers.answer(tenant, started["id"], sso_user.username, now=clock.now())
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "sso.request_expired",
        clients=[browser_client],
    )


def test_a_replayed_response_is_refused(browser_client, sso_user, tenant, started):
    """SAML Profiles 4.1.4.5: the second POST of an accepted response is refused; the first session stays."""
    value = helpers.answer(tenant, started["id"], sso_user.username)
    assert browser_client.post_acs(value, started["relay_state"]).status_code == 303
    del browser_client.client.cookies[
        "ssoconsole_session"
    ]  # logout() would drop the binding cookie too
    response = browser_client.post_acs(value, started["relay_state"])
    assert response.status_code == 400
    assert "sso.assertion_replayed" in response.content.decode()
    assert AuditEvent.objects.filter(reason_code="sso.assertion_replayed").exists()
    assert browser_client.me().status_code == 401


def test_a_second_answer_to_a_used_request_is_refused(browser_client, sso_user, tenant, started):
    """Each request is single use, even with a new assertion ID."""
    first = helpers.answer(tenant, started["id"], sso_user.username)
    assert browser_client.post_acs(first, started["relay_state"]).status_code == 303
    del browser_client.client.cookies[
        "ssoconsole_session"
    ]  # logout() would drop the binding cookie too
    second = helpers.answer(tenant, started["id"], sso_user.username)
    response = browser_client.post_acs(second, started["relay_state"])
    assert response.status_code == 400 and "sso.request_already_used" in response.content.decode()
    assert browser_client.me().status_code == 401


def test_an_unknown_username_is_refused_and_no_user_is_created(
    browser_client, sso_user, tenant, started
):
    """SSO authenticates, it does not create users (docs/rules.md#sso-creates-no-users)."""
    from ssoconsole.accounts.models import User

    before = User.objects.count()
    value = helpers.answer(tenant, started["id"], "nobody@example.org")
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "sso.unknown_user",
        status=403,
        clients=[browser_client],
    )
    assert User.objects.count() == before


def test_a_user_of_another_tenant_with_that_username_is_unknown_here(
    browser_client,
    sso_user,
    tenant,
    started,
    make_user,
    other_tenant,
):
    """Only users of the tenant whose ACS received the answer can sign in through it."""
    stranger = make_user("stranger@example.org", tenant=other_tenant)
    value = helpers.answer(tenant, started["id"], stranger.username)
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "sso.unknown_user",
        clients=[browser_client],
    )


def test_a_deactivated_user_is_refused(browser_client, sso_user, tenant, started):
    set_active(sso_user, False)
    value = helpers.answer(tenant, started["id"], sso_user.username)
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "sso.user_inactive",
        status=403,
        clients=[browser_client],
    )


def test_a_user_of_a_password_org_is_refused(browser_client, sso_user, tenant, started, make_user):
    """The asserted user's org does not use SSO at all."""
    local = make_user("password.person@example.org")
    value = helpers.answer(tenant, started["id"], local.username)
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "sso.org_not_using_sso",
        clients=[browser_client],
    )


def test_a_user_of_an_org_with_another_provider_is_refused(
    browser_client, sso_user, tenant, started, make_user, make_org
):
    other = helpers.make_provider(
        tenant,
        "Okta",
        entity_id=helpers.ENTITY_B,
        sso_url=helpers.SSO_URL_B,
        kp=helpers.key("idp-b"),
    )
    org = make_org("Uses Okta")
    set_org_sso(org, "provider", other.id)
    okta_user = make_user("okta.person@example.org", org=org)
    value = helpers.answer(tenant, started["id"], okta_user.username)
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "sso.org_uses_other_provider",
        clients=[browser_client],
    )
    event = AuditEvent.objects.get(reason_code="sso.org_uses_other_provider")
    assert event.data["expected"] == "Okta" and event.data["actual"] == "Entra ID"


def test_a_response_signed_by_an_untrusted_key_is_refused_as_foreign(
    browser_client, sso_user, tenant, started
):
    """Assertions must be signed by a certificate from the provider's metadata.

    A key unlike any the provider ever listed (another subject) is named as
    such, with its thumbprint, and not given rollover advice.
    """
    attacker = helpers.key("attacker")
    value = helpers.answer(tenant, started["id"], sso_user.username, kp=attacker)
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "sso.signing_key_foreign",
        clients=[browser_client],
    )
    event = AuditEvent.objects.get(reason_code="sso.signing_key_foreign")
    thumbprint = hashlib.sha1(attacker.cert_der).hexdigest().upper()
    assert event.data["signer_thumbprint_sha1"] == thumbprint
    assert thumbprint in event.data["adminMessage"] and "forgery" in event.data["adminMessage"]


def test_an_unsigned_response_is_refused(browser_client, sso_user, tenant, started):
    value = helpers.answer(tenant, started["id"], sso_user.username, sign=None)
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "saml.signature_missing",
        clients=[browser_client],
    )


def test_an_audience_mismatch_carries_expected_and_actual_to_the_audit_event(
    browser_client, sso_user, tenant, started
):
    value = helpers.answer(
        tenant, started["id"], sso_user.username, audience="https://other.example/sp"
    )
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "saml.audience_mismatch",
        clients=[browser_client],
    )
    data = AuditEvent.objects.get(reason_code="saml.audience_mismatch").data
    assert data["actual"] and data["expected"] and "audience" in data["adminMessage"].lower()


def test_an_assertion_from_the_future_reports_the_clock_difference(
    browser_client, sso_user, tenant, started
):
    """Clock skew beyond the allowance: the admin sentence carries the difference."""
    value = helpers.answer(tenant, started["id"], sso_user.username, now=helpers.later(minutes=10))
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "saml.assertion_not_yet_valid",
        clients=[browser_client],
    )


def test_a_missing_username_attribute_lists_the_received_attributes(
    browser_client, sso_user, tenant, started, provider
):
    from ssoconsole.sso.providers import set_attribute_mapping

    set_attribute_mapping(provider, use_default=False, username="urn:example:upn")
    value = helpers.answer(tenant, started["id"], sso_user.username)
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "sso.mapping_username_attribute_missing",
        clients=[browser_client],
    )
    data = AuditEvent.objects.get(reason_code="sso.mapping_username_attribute_missing").data
    assert (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"
        in data["receivedAttributes"]
    )


def test_an_idp_session_that_already_ended_is_refused(browser_client, sso_user, tenant, started):
    """SessionNotOnOrAfter in the past (within the clock skew the core allows) starts no session."""
    value = helpers.answer(
        tenant, started["id"], sso_user.username, session_not_on_or_after=helpers.later(seconds=-30)
    )
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "sso.idp_session_ended",
        clients=[browser_client],
    )


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"SAMLResponse": "bm90IHhtbA==", "RelayState": "x"}, "sso.request_not_found"),
        ({"SAMLResponse": "%%%not base64%%%"}, "sso.unsolicited_response"),
        ({"RelayState": "x"}, "sso.response_missing"),
        ({}, "sso.response_missing"),
        (
            {"SAMLResponse": "PD94bWwgdmVyc2lvbj0iMS4wIj8+PCFET0NUWVBFIGE+PGEvPg=="},
            "sso.unsolicited_response",
        ),
    ],
)
def test_garbage_is_a_readable_4xx(client, tenant, form, code):
    """Never a 5xx, whatever is posted (docs/rules.md#no-5xx)."""
    assert_refused(client.post(f"/sso/{tenant.id}/acs", form), code)


def test_garbage_with_a_live_request_is_refused_by_the_core(browser_client, started):
    """With RelayState and cookie right, the core's own code names what is wrong with the message."""
    assert_refused(
        browser_client.post_acs("bm90IHhtbA==", started["relay_state"]), "saml.xml_malformed"
    )


def test_an_unknown_tenant_is_a_404_page(client, db):
    response = client.post("/sso/not-a-tenant/acs", {"SAMLResponse": "eA=="})
    assert response.status_code == 404 and "sso.tenant_not_found" in response.content.decode()


def test_a_get_is_a_405_page(client, tenant):
    response = client.get(f"/sso/{tenant.id}/acs")
    assert response.status_code == 405 and "sso.acs_method_not_allowed" in response.content.decode()


def test_an_oversize_post_is_a_413_page(client, tenant):
    response = client.post(f"/sso/{tenant.id}/acs", {"SAMLResponse": "A" * (1024 * 1024 + 10)})
    assert response.status_code == 413 and "sso.post_too_large" in response.content.decode()


def test_refusals_without_a_request_draw_on_the_addresses_rate_then_get_429(
    client, tenant, settings, clock
):
    """Posts that match no sign-in of this browser spend the address's rate; past it they get the 429 page."""
    settings.SSOCONSOLE_THROTTLE = {"sso-acs-address": (3, 900, 3)}
    for _ in range(3):
        assert client.post(f"/sso/{tenant.id}/acs", {"SAMLResponse": "eA=="}).status_code == 400
    response = client.post(f"/sso/{tenant.id}/acs", {"SAMLResponse": "eA=="})
    assert (
        response.status_code == 429
        and "Too many single sign-on attempts" in response.content.decode()
    )
    assert int(response["Retry-After"]) > 0


def test_recent_sign_in_failures_lists_the_providers_refusals(
    browser_client, sso_user, tenant, started, provider
):
    """The provider's page lists refusals with code, username and admin sentence, newest first."""
    from ssoconsole.sso.refusal_pages import recent_sign_in_failures

    browser_client.post_acs(
        helpers.answer(tenant, started["id"], "nobody@example.org"), started["relay_state"]
    )
    set_active(sso_user, False)
    browser_client.post_acs(
        helpers.answer(tenant, started["id"], sso_user.username), started["relay_state"]
    )
    failures = recent_sign_in_failures(provider)
    assert [f.code for f in failures] == ["sso.user_inactive", "sso.unknown_user"]
    assert (
        failures[1].username == "nobody@example.org"
        and "nobody@example.org" in failures[1].admin_message
    )
    assert recent_sign_in_failures(provider, limit=1)[0].code == "sso.user_inactive"


def test_expired_requests_and_replay_rows_are_purged_only_when_useless(
    browser_client, sso_user, tenant, started
):
    """Requests stay a day past expiry (so late answers read "expired"); replay rows until NotOnOrAfter + skew."""
    from ssoconsole.sso import replay
    from ssoconsole.sso.signin_models import ConsumedAssertion, SignInRequest

    browser_client.post_acs(
        helpers.answer(tenant, started["id"], sso_user.username), started["relay_state"]
    )
    row = ConsumedAssertion.objects.get()
    assert replay.purge_expired(now=row.expires_at - timedelta(seconds=1)) == 0
    assert replay.purge_expired(now=row.expires_at + timedelta(seconds=1)) == 1
    record = SignInRequest.objects.get(request_id=started["id"])
    assert outstanding.purge_expired(now=record.expires_at + timedelta(hours=23)) == 0
    assert outstanding.purge_expired(now=record.expires_at + timedelta(days=1, seconds=1)) == 1


def test_an_unexpected_failure_is_still_a_4xx_page_and_logged(
    browser_client, sso_user, tenant, started, monkeypatch, caplog
):
    """docs/rules.md#no-5xx: never a 5xx; a bug (simulated after the real validator ran) is a page and a traceback."""
    from ssoconsole.sso import signin_checks

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(signin_checks, "find_user", broken)
    value = helpers.answer(tenant, started["id"], sso_user.username)
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "sso.unexpected_error",
        clients=[browser_client],
    )
    assert any("simulated bug" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_a_request_is_used_up_after_three_failed_responses(
    browser_client, sso_user, tenant, started
):
    """Forged answers to one started sign-in cost at most three checks; then the start itself is spent."""
    from ssoconsole.sso.models import SignInRequest

    for _ in range(3):
        forged = helpers.answer(tenant, started["id"], sso_user.username, kp=helpers.key("idp-b"))
        assert browser_client.post_acs(forged, started["relay_state"]).status_code in (400, 403)
    good = helpers.answer(tenant, started["id"], sso_user.username)
    again = browser_client.post_acs(good, started["relay_state"])
    assert again.status_code == 400 and "sso.request_already_used" in again.content.decode()
    assert SignInRequest.objects.get(request_id=started["id"]).consumed_at is not None


def test_a_valid_response_is_accepted_while_the_address_rate_is_spent(
    browser_client, sso_user, tenant, started, settings, clock
):
    """Other people's junk from the same address never refuses a response to this browser's own start."""
    from django.test import Client

    settings.SSOCONSOLE_THROTTLE = {"sso-acs-address": (1, 900, 2)}
    junk = Client()
    statuses = [
        junk.post(f"/sso/{tenant.id}/acs", {"SAMLResponse": "eA=="}).status_code for _ in range(5)
    ]
    assert statuses[-1] == 429
    good = helpers.answer(tenant, started["id"], sso_user.username)
    assert browser_client.post_acs(good, started["relay_state"]).status_code == 303


def test_a_failure_inside_the_sign_in_transaction_leaves_no_session(
    browser_client, sso_user, tenant, started, monkeypatch
):
    """The session is written in the ACS's transaction: when that rolls back, nobody is signed in."""
    from ssoconsole.accounts import sessions
    from ssoconsole.accounts.models import ConsoleSession

    def broken(request):
        raise RuntimeError("simulated failure after the session was started")

    monkeypatch.setattr(sessions, "save_now", broken)
    value = helpers.answer(tenant, started["id"], sso_user.username)
    assert_refused(
        browser_client.post_acs(value, started["relay_state"]),
        "sso.unexpected_error",
        clients=[browser_client],
    )
    assert browser_client.me().status_code == 401
    assert not ConsoleSession.objects.filter(user_id=sso_user.id).exists()
