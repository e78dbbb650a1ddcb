"""Certificate-expiry warnings where admins look: the dashboard banner and e-mail, with a moved clock.

The IdP signs with the "idp-a" test key, whose certificate expires on
2028-01-01 00:00 UTC; a sign-in teaches the console that this is the
certificate in use. The clock then moves to 31, 30, 29, 7, 6, 1 days before
and past the date. The banner is read over HTTP from the live console; the
e-mails are sent by the scheduler's expiry job (never by a request) to a local
aiosmtpd server that the test starts on loopback.
"""

from __future__ import annotations

import hashlib
import socket
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
import requests
from aiosmtpd.controller import Controller
from django_fixtures import PASSWORD
from signin import helpers as idp

from ssoconsole.accounts.roles import Role
from ssoconsole.audit.models import AuditEvent
from ssoconsole.sso import scheduler

from .lifecycle_support import console_page

pytestmark = pytest.mark.django_db(transaction=True)
EXPIRES = datetime(2028, 1, 1, tzinfo=UTC)
DASHBOARD = "/console/"


class Inbox:
    """Collects what the SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox(settings):
    """A local SMTP server on loopback for the test's duration, named by SSOCONSOLE_SMTP_URL."""
    received = Inbox()
    port = _free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    settings.SSOCONSOLE_SMTP_URL = f"smtp://127.0.0.1:{port}"
    settings.SSOCONSOLE_MAIL_FROM = "ssoconsole@acme.test"
    yield received
    controller.stop()


@pytest.fixture
def learned(console, make_user):
    """A provider whose IdP signs with "idp-a", learned from a sign-in; two admins of other roles."""
    created = console.add_provider(idp.key("idp-a"))
    assert console.sign_in(idp.key("idp-a")).status_code == 303
    make_user("ida@acme.test", roles=[Role.IDENTITY_ADMIN], email="ida@mail.acme.test")
    make_user("oscar@acme.test", roles=[Role.ORG_ADMIN])
    return created


def at_days_before(console, days: float) -> None:
    console.clock.current = EXPIRES - timedelta(days=days)


def test_the_dashboard_warns_identity_admins_at_30_7_and_1_days(console, learned):
    at_days_before(console, 30.5)
    assert "certificate-banner" not in console_page(console, DASHBOARD)

    for days, level in ((30, "warning"), (7, "error"), (1, "error")):
        at_days_before(console, days)
        page = console_page(console, DASHBOARD)
        assert f"expires in {days} day" in page
        assert f'class="message message-{level} certificate-banner"' in page
        assert "the identity provider signs with it" in page
        assert "Sign-in does not stop on that date" in page

    at_days_before(console, -3)
    page = console_page(console, DASHBOARD)
    assert "expired on 2028-01-01" in page and "sign-in fails" not in page.lower()


def test_the_banner_is_for_identity_admins_only(console, learned):
    at_days_before(console, 5)
    browser = requests.Session()
    browser.get(f"{console.url}/login", timeout=30)
    browser.post(
        f"{console.url}/login",
        data={
            "step": "password",
            "username": "oscar@acme.test",
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.cookies.get("csrftoken", ""),
        },
        headers={"Referer": f"{console.url}/login"},
        timeout=30,
    )
    page = browser.get(f"{console.url}{DASHBOARD}", timeout=30)
    assert page.ok and "Welcome" in page.text
    assert "certificate-banner" not in page.text


def test_identity_admins_get_one_email_per_threshold_from_the_scheduled_job(
    console,
    learned,
    inbox,
):
    def round_at(days: float) -> list:
        at_days_before(console, days)
        before = len(inbox.messages)
        scheduler.send_expiry_warnings()
        return inbox.messages[before:]

    assert round_at(31) == []
    first = round_at(30)
    assert sorted(to for tos, _ in first for to in tos) == [
        "ida@mail.acme.test",
        _identity_admin_address(),
    ]
    subject = first[0][1]["Subject"]
    assert "expires in 30 days" in subject and "Entra ID" in subject
    body = first[0][1].get_content()
    assert hashlib.sha1(idp.key("idp-a").cert_der).hexdigest().upper() in body
    assert "Sign-in does not stop on that date" in body

    assert round_at(29) == [] and round_at(20) == []
    assert len(round_at(7)) == 2
    assert round_at(6.5) == []
    assert len(round_at(1)) == 2
    assert len(round_at(-1)) == 2 and round_at(-2) == []
    events = AuditEvent.objects.filter(action="auth_provider.expiry_notice_sent")
    assert sorted(e.data["threshold"] for e in events) == [0, 1, 7, 30]


def test_without_smtp_the_round_sends_nothing_and_the_banner_still_warns(
    console,
    learned,
    settings,
):
    settings.SSOCONSOLE_SMTP_URL = None
    at_days_before(console, 7)
    scheduler.send_expiry_warnings()
    assert not AuditEvent.objects.filter(action="auth_provider.expiry_notice_sent").exists()
    assert "certificate-banner" in console_page(console, DASHBOARD)


def _identity_admin_address() -> str:
    from ssoconsole.accounts.models import User

    return (
        User.objects.filter(roles__role=Role.IDENTITY_ADMIN)
        .exclude(username="ida@acme.test")
        .exclude(username="pages@acme.test")
        .get()
        .username
    )
