"""Security review: anonymous clients cannot write audit events without bound.

The ACS and the provider choice are public; every refusal there is audited
in the tenant named by the URL or the username. The throttles must bound
what one address can write, including the "throttled" events themselves.
"""

from __future__ import annotations

from ssoconsole.audit.models import AuditEvent
from ssoconsole.sso import acs

from . import helpers


def test_a_throttled_address_does_not_add_an_audit_event_per_request(client, tenant, clock):
    """Past the ACS rate each POST is a 429, and only the first of them is audited."""
    limit = acs.ACS_RULE.burst
    for _ in range(limit):
        assert client.post(f"/sso/{tenant.id}/acs", {"SAMLResponse": "eA=="}).status_code == 400
    before = AuditEvent.objects.filter(tenant=tenant).count()
    for _ in range(25):
        assert client.post(f"/sso/{tenant.id}/acs", {"SAMLResponse": "eA=="}).status_code == 429
    throttled = AuditEvent.objects.filter(tenant=tenant, reason_code="sso.throttled")
    assert throttled.count() == 1
    assert AuditEvent.objects.filter(tenant=tenant).count() == before + 1


def test_wrong_provider_picks_are_throttled_per_address(
    browser_client, sso_user, tenant, provider, clock
):
    """Each wrong pick is audited in the user's tenant: an anonymous script must hit a limit."""
    other = helpers.make_provider(
        tenant,
        "Okta Workforce",
        entity_id=helpers.ENTITY_B,
        sso_url=helpers.SSO_URL_B,
        kp=helpers.key("idp-b"),
    )
    c = browser_client.client
    statuses = [
        c.post(
            "/sso/choose-provider", {"username": sso_user.username, "provider": str(other.id)}
        ).status_code
        for _ in range(60)
    ]
    assert 429 in statuses
    assert AuditEvent.objects.filter(tenant=tenant, reason_code="sso.wrong_provider").count() <= 30
    # A correct pick costs nothing, but the address stays throttled until its rate has refilled.
    assert (
        c.post(
            "/sso/choose-provider", {"username": sso_user.username, "provider": str(provider.id)}
        ).status_code
        == 429
    )
