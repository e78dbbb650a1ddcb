"""The operator endpoints in the role matrix: no console role changes what they answer.

``/healthz`` and ``/readyz`` are the same for everyone (a load balancer has no
session). ``/metrics`` spans every tenant, so a console session, even an
administrator's of any tenant, never opens it: only the operator's token or
address does.
"""

from __future__ import annotations

import pytest
from django.test import Client

ROLES = ["identity-admin", "org-admin", "user", "other-tenant-admin", "anonymous"]


@pytest.fixture
def client_for(users_by_role, other_tenant_admin, signed_in_client):
    def make(role: str) -> Client:
        if role == "anonymous":
            return Client()
        if role == "other-tenant-admin":
            return signed_in_client(other_tenant_admin)
        return signed_in_client(users_by_role[role])

    return make


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_the_same_health_and_readiness(db, client_for, role):
    client = client_for(role)
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"


@pytest.mark.parametrize("role", ROLES)
def test_no_console_session_opens_the_metrics(db, client_for, role, settings):
    settings.SSOCONSOLE_METRICS_TOKEN = "operator-token"
    client = client_for(role)
    assert client.get("/metrics").status_code == 403
    opened = client.get("/metrics", HTTP_AUTHORIZATION="Bearer operator-token")
    assert opened.status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_operator_endpoints_answer_only_get(db, path, settings):
    settings.SSOCONSOLE_METRICS_TOKEN = "operator-token"
    response = Client().post(path, HTTP_AUTHORIZATION="Bearer operator-token")
    assert response.status_code == 405
