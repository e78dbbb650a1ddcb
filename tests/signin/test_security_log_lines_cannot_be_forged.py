"""Security review: values from a posted (unsigned) response cannot forge lines in the security log."""

from __future__ import annotations

import logging

from . import helpers

FORGED = "ok\n2026-01-01 00:00:00,000 INFO ssoconsole.security sso signed in user=admin@example.org"


def test_a_status_message_with_line_breaks_stays_on_one_log_line(
    browser_client, sso_user, tenant, caplog
):
    """The StatusMessage is read before any signature check: anyone who starts a sign-in can choose it."""
    started = browser_client.start(sso_user.username)
    value = helpers.answer(
        tenant,
        started["id"],
        sso_user.username,
        sign=None,
        status="urn:oasis:names:tc:SAML:2.0:status:Responder",
        status_message=FORGED,
    )
    with caplog.at_level(logging.INFO, logger="ssoconsole.security"):
        response = browser_client.post_acs(value, started["relay_state"])
    assert response.status_code == 400
    lines = [r.getMessage() for r in caplog.records if r.name == "ssoconsole.security"]
    assert lines, "the refusal is logged"
    assert all("\n" not in line and "\r" not in line for line in lines), lines
