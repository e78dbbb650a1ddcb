"""Audit events: who did what, to what, from where, and failures mirrored to the security log."""

from __future__ import annotations

import logging

from ssoconsole.audit.log import diff, record
from ssoconsole.audit.models import AuditEvent


def test_an_event_names_actor_target_and_tenant(plain_user, org_admin):
    """The actor is kept by id and by the username at the time."""
    event = record("user.updated", actor=org_admin, target=plain_user, data={"k": 1})
    stored = AuditEvent.objects.get(id=event.id)
    assert stored.tenant_id == org_admin.tenant_id and stored.actor_id == org_admin.id
    assert stored.actor_label == org_admin.username
    assert (stored.target_type, stored.target_id) == ("user", str(plain_user.id))


def test_events_without_a_user_name_their_source(tenant):
    """The CLI and the system are named by a label."""
    assert record("tenant.created", tenant=tenant, actor_label="cli").actor_label == "cli"
    assert record("tenant.created", tenant=tenant).actor_label == "system"


def test_events_record_the_client_address_and_agent(rf, tenant):
    """From where: REMOTE_ADDR (never X-Forwarded-For, which clients forge) and the user agent."""
    request = rf.get(
        "/", REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="10.0.0.1", HTTP_USER_AGENT="agent/1"
    )
    event = record("auth.signin", tenant=tenant, request=request)
    assert event.ip_address == "192.0.2.9" and event.user_agent == "agent/1"


def test_failures_are_mirrored_to_the_security_log(tenant, caplog):
    """Operators see refusals in the logs as well as in the audit log."""
    with caplog.at_level(logging.INFO, logger="ssoconsole.security"):
        record("auth.signin", tenant=tenant, outcome="failure", reason_code="bad_password")
    assert "reason=bad_password" in caplog.text


def test_diff_keeps_only_the_values_that_changed():
    """Before/after show what an admin changed, nothing else."""
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {
        "before": {"b": 2, "c": None},
        "after": {"b": 3, "c": 4},
    }


def test_sign_in_failures_of_one_tenant_are_not_attributed_to_another(
    client, plain_user, other_tenant_admin
):
    """A failed sign-in is recorded in the tenant of the user it named."""
    client.post(
        "/login",
        {"step": "password", "username": plain_user.username, "password": "wrong-password-1"},
    )
    event = AuditEvent.objects.get(action="auth.signin", outcome="failure")
    assert event.tenant_id == plain_user.tenant_id != other_tenant_admin.tenant_id
