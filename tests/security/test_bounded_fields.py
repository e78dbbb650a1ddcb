"""Finding 5: what an identity provider or a client sends is stored and logged only up to a documented length.

The attack: one unsigned SAML error response with a 507 KB StatusMessage (and
oversized status codes, attribute names and User-Agent) posted to the live
ACS. Before, it wrote 761 KB of audit data and a 381 KB log line, shown back on
the provider's "recent failures". Now each field is cut (docs/security.md,
"Bounded fields") and the cut says so.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import uuid
from datetime import UTC, datetime

import pytest

from ssoconsole.audit.models import AuditEvent
from ssoconsole.core import bounds

pytestmark = pytest.mark.django_db(transaction=True)

HUGE = "A" * 507 * 1024


def _error_response(request_id: str, destination: str, *, message: str, code: str) -> str:
    """An unsigned samlp:Response carrying an IdP error, as anyone can post it."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    xml = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        f'ID="_{uuid.uuid4().hex}" Version="2.0" IssueInstant="{now}" '
        f'Destination="{destination}" InResponseTo="{request_id}">'
        "<saml:Issuer>https://sts.windows.net/aaaaaaaa-0000-4000-8000-00000000000a/</saml:Issuer>"
        '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder">'
        f'<samlp:StatusCode Value="{code}"/></samlp:StatusCode>'
        f"<samlp:StatusMessage>{message}</samlp:StatusMessage></samlp:Status>"
        "</samlp:Response>"
    )
    return base64.b64encode(xml.encode()).decode()


@pytest.fixture
def log_output():
    """What the configured stdout log handler writes (its filters included), collected in memory."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    assert handlers, "settings.LOGGING installs a stdout handler"
    buffer = io.StringIO()
    saved = [h.setStream(buffer) for h in handlers]
    yield buffer
    for handler, stream in zip(handlers, saved, strict=True):
        handler.setStream(stream)


def test_a_507_kb_status_message_writes_a_bounded_audit_event_and_log_line(
    app_url, tenant, sso_org, make_user, visitor, log_output
):
    user = make_user("victim@example.org", org=sso_org, password=None)
    started = visitor.sso_start(user.username)
    visitor.http.headers["User-Agent"] = "U" * 8000
    response = visitor.post(
        f"/sso/{tenant.id}/acs",
        {
            "SAMLResponse": _error_response(
                started["id"], started["acs"], message=HUGE, code="urn:x:" + "C" * 2000
            ),
            "RelayState": started["relay_state"],
        },
    )
    assert response.status_code in (400, 403)
    assert len(response.content) < 64 * 1024, "the refusal page does not echo the message"

    event = AuditEvent.objects.get(tenant=tenant, reason_code="saml.status_not_success")
    stored = len(json.dumps(event.data, ensure_ascii=False).encode())
    assert stored <= bounds.AUDIT_DATA_MAX
    assert "more characters" in json.dumps(event.data), "the cut is visible"
    assert len(event.user_agent) == bounds.USER_AGENT_MAX

    lines = log_output.getvalue().splitlines()
    assert lines, "the refusal is logged"
    assert max(len(line) for line in lines) <= bounds.LOG_MESSAGE_MAX + 200  # + time, level, logger

    provider_page = _recent_failures_page(app_url, tenant, make_user)
    assert len(provider_page) < 200 * 1024 and HUGE[:5000] not in provider_page


def _recent_failures_page(app_url, tenant, make_user) -> str:
    from security.live import Browser
    from ssoconsole.accounts.roles import Role
    from ssoconsole.sso.models import AuthProvider

    admin = make_user("idadmin@example.org", roles=[Role.IDENTITY_ADMIN])
    browser = Browser(app_url).sign_in(admin.username, "correct-horse-battery-staple")
    provider = AuthProvider.objects.get(tenant=tenant)
    page = browser.get(
        f"/console/administration/integrations/identity-management/providers/{provider.id}/"
    )
    assert page.status_code == 200, page.status_code
    return page.text


def test_thousands_of_attribute_names_are_listed_only_up_to_the_bound(
    app_url, tenant, sso_org, provider, make_user, visitor
):
    """A mapping failure lists the attributes received; an assertion with 2,000 of them lists 50."""
    from ssoconsole.sso.providers import set_attribute_mapping

    set_attribute_mapping(provider, use_default=False, username="upn", actor=None)
    user = make_user("victim@example.org", org=sso_org, password=None)
    started = visitor.sso_start(user.username)
    attributes = {f"urn:attr:{i}:" + "n" * 40: ("v",) for i in range(2000)}
    response = visitor.post_acs(tenant, started, user.username, attributes=attributes)
    assert response.status_code == 403
    event = AuditEvent.objects.get(reason_code="sso.mapping_username_attribute_missing")
    assert len(json.dumps(event.data).encode()) <= bounds.AUDIT_DATA_MAX
    assert len(event.data["receivedAttributes"]) == bounds.ITEMS_MAX + 1  # + "… N more items"
