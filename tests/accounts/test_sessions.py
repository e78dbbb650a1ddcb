"""Console sessions: idle and absolute timeouts, caps, and ending them all at deactivation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import Client

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts import sessions
from ssoconsole.accounts.models import ConsoleSession

IDLE = settings.SSOCONSOLE_SESSION_IDLE_SECONDS
PAGE = "/logout"  # a page that needs a signed-in user and answers 200


def is_signed_in(client) -> bool:
    return client.get(PAGE).status_code == 200


def test_a_session_survives_while_the_user_is_active(signed_in_client, plain_user, clock):
    """Requests within the idle limit keep the session going past one idle period."""
    client = signed_in_client(plain_user)
    for _ in range(3):
        clock.advance(seconds=IDLE - 120)
        assert is_signed_in(client)


def test_an_idle_session_ends_and_the_login_page_says_why(signed_in_client, plain_user, clock):
    """After the idle limit, a page request goes to the login page with the reason and the way back."""
    client = signed_in_client(plain_user)
    clock.advance(seconds=IDLE + 1)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == "/login?expired=idle&next=%2Flogout"
    assert "without activity" in client.get(response["Location"]).content.decode()
    assert not ConsoleSession.objects.filter(user_id=plain_user.id).exists()


def test_a_session_ends_at_the_absolute_limit_despite_activity(signed_in_client, plain_user, clock):
    """Activity cannot stretch a session beyond SSOCONSOLE_SESSION_ABSOLUTE_SECONDS."""
    client = signed_in_client(plain_user)
    limit = settings.SSOCONSOLE_SESSION_ABSOLUTE_SECONDS
    for _ in range(limit // (IDLE // 2) - 1):
        clock.advance(seconds=IDLE // 2)
        assert is_signed_in(client)
    clock.advance(seconds=IDLE // 2)
    response = client.get(PAGE)
    assert response["Location"].startswith("/login?expired=absolute")
    assert "maximum length" in client.get(response["Location"]).content.decode()


def test_the_tenants_maximum_session_length_caps_sessions(signed_in_client, plain_user, clock):
    """A tenant may allow less than the deployment's absolute limit."""
    plain_user.tenant.max_session_hours = 1
    plain_user.tenant.save()
    client = signed_in_client(plain_user)
    clock.advance(minutes=50)
    assert is_signed_in(client)
    clock.advance(minutes=11)
    assert not is_signed_in(client)


def test_an_ended_session_makes_api_calls_anonymous_instead_of_redirecting(
    signed_in_client, plain_user, clock
):
    """API clients get the API's 401, not a login page they cannot follow."""
    client = signed_in_client(plain_user)
    clock.advance(seconds=IDLE + 1)
    assert client.get("/api/v1/me").status_code == 401


def make_request(rf, user=None):
    request = rf.get("/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = AnonymousUser()
    return request


def test_the_deadline_is_the_earliest_of_the_limits(plain_user, clock):
    """An assertion's SessionNotOnOrAfter shortens the session; it never lengthens it."""
    now = clock.now()
    soon = now + timedelta(minutes=10)
    late = now + timedelta(days=30)
    assert sessions.session_deadline(plain_user, now=now, expires_at=soon) == soon
    absolute = now + timedelta(seconds=min(settings.SSOCONSOLE_SESSION_ABSOLUTE_SECONDS, 12 * 3600))
    assert sessions.session_deadline(plain_user, now=now, expires_at=late) == absolute


def test_start_session_applies_expires_at_and_audits_the_method(rf, plain_user, clock):
    """SSO sign-in passes the IdP session's end; the audit event names the method."""
    from ssoconsole.audit.models import AuditEvent

    request = make_request(rf)
    expires = clock.now() + timedelta(minutes=5)
    sessions.start_session(
        request, plain_user, method="saml", expires_at=expires, audit_data={"providerId": "p1"}
    )
    assert request.session[sessions.DEADLINE] == expires.timestamp()
    assert request.session[sessions.METHOD] == "saml"
    event = AuditEvent.objects.get(action="auth.signin", actor_id=plain_user.id)
    assert event.data["method"] == "saml" and event.data["providerId"] == "p1"


def test_start_session_refuses_an_expiry_in_the_past(rf, plain_user, clock):
    """An expired IdP session must be refused before any session starts."""
    request = make_request(rf)
    with pytest.raises(ValueError):
        sessions.start_session(
            request, plain_user, method="saml", expires_at=clock.now() - timedelta(seconds=1)
        )
    assert "_auth_user_id" not in request.session


def test_sessions_record_their_user_for_fast_lookup(signed_in_client, plain_user):
    """Each stored session row carries the signed-in user's id."""
    signed_in_client(plain_user)
    signed_in_client(plain_user)
    assert ConsoleSession.objects.filter(user_id=plain_user.id).count() == 2


def test_a_session_from_force_login_gets_the_same_limits(plain_user, clock):
    """Sessions that skipped start_session are given a deadline on their first request."""
    client = Client()
    client.force_login(plain_user)
    assert is_signed_in(client)
    assert sessions.DEADLINE in client.session
    clock.advance(seconds=IDLE + 1)
    assert not is_signed_in(client)


def test_deactivating_a_user_ends_all_their_sessions_at_once(
    signed_in_client, plain_user, org_admin
):
    """Every browser of the user is signed out; other users stay signed in."""
    laptop, phone, admin = (
        signed_in_client(plain_user),
        signed_in_client(plain_user),
        signed_in_client(org_admin),
    )
    accounts.set_active(plain_user, False, actor=org_admin)
    assert not ConsoleSession.objects.filter(user_id=plain_user.id).exists()
    assert not is_signed_in(laptop) and not is_signed_in(phone)
    assert is_signed_in(admin)


def test_end_all_sessions_touches_only_that_user(signed_in_client, plain_user, org_admin):
    """The indexed user id makes this one DELETE of exactly the user's rows."""
    signed_in_client(plain_user)
    signed_in_client(org_admin)
    assert sessions.end_all_sessions(plain_user) == 1
    assert ConsoleSession.objects.filter(user_id=org_admin.id).count() == 1


def test_a_sign_in_records_last_login_once_at_the_products_clock(rf, plain_user, clock):
    """One UPDATE of last_login, with the time the rest of the product reads (the moved clock)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ssoconsole.accounts.models import User

    clock.advance(days=3)
    request = make_request(rf)
    with CaptureQueriesContext(connection) as queries:
        sessions.start_session(request, plain_user, method="password")
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and "last_login" in updates[0]
    assert User.objects.get(pk=plain_user.pk).last_login == clock.now() == plain_user.last_login
