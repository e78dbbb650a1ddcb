"""Security review: a throttled password sign-in is audited once per throttled period, not per request."""

from __future__ import annotations

from django.test import Client

from ssoconsole.accounts import signin
from ssoconsole.audit.models import AuditEvent


def attempt(client, username, password="wrong password!"):
    return client.post("/login", {"step": "password", "username": username, "password": password})


def test_requests_past_the_username_limit_do_not_each_write_an_audit_event(db, plain_user, clock):
    """Anyone may post the login form; once a username is throttled, more posts must not grow its tenant's log."""
    for n in range(signin.USERNAME_RULE.limit):
        assert (
            attempt(Client(REMOTE_ADDR=f"203.0.113.{n + 1}"), plain_user.username).status_code
            == 401
        )
    for n in range(20):
        assert (
            attempt(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), plain_user.username).status_code
            == 429
        )
    throttled = AuditEvent.objects.filter(
        action="auth.signin", reason_code="throttled", actor_id=plain_user.id
    )
    assert throttled.count() == 1
