"""/healthz, /readyz and /metrics in one process (tests/ops/test_served.py runs them under gunicorn)."""

from __future__ import annotations

import pytest
from django.test import Client

from ssoconsole.ops import views


def test_healthz_answers_without_touching_the_database(client):
    """No ``db`` fixture: any query here would fail the test."""
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_reports_database_migrations_and_cache(db, client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["database"], body["cache"]) == ("ready", "ok", "ok")


def test_readyz_is_503_with_a_hint_when_the_database_is_unreachable(db, client, monkeypatch):
    monkeypatch.setattr(views, "_database_state", lambda: "unreachable")
    response = client.get("/readyz")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "DATABASE_URL" in response.json()["hint"]


def test_metrics_are_refused_with_what_to_configure_when_off(client):
    response = client.get("/metrics")
    assert response.status_code == 403 and "SSOCONSOLE_METRICS_TOKEN" in response.content.decode()


def test_metrics_need_the_right_bearer_token(db, client, settings):
    settings.SSOCONSOLE_METRICS_TOKEN = "s3cret-metrics-token"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert response.status_code == 200 and b"ssoconsole_http_request_duration_seconds" in (
        response.content
    )


@pytest.mark.parametrize(("address", "status"), [("10.1.2.3", 200), ("10.2.0.1", 403)])
def test_metrics_follow_the_address_allow_list(db, settings, address, status):
    from ssoconsole.config import parse_networks

    settings.SSOCONSOLE_METRICS_ALLOWED_ADDRESSES = parse_networks("10.1.0.0/16", "X")
    assert Client(REMOTE_ADDR=address).get("/metrics").status_code == status


def test_sign_ins_refusals_and_throttles_are_counted(db, settings, plain_user, password):
    settings.SSOCONSOLE_METRICS_TOKEN = "t"
    scrape = Client(HTTP_AUTHORIZATION="Bearer t")

    def value(series: str) -> float:
        for line in scrape.get("/metrics").content.decode().splitlines():
            if line.startswith(series + " "):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    ok = 'ssoconsole_signins_total{code="",method="password",result="success"}'
    bad = 'ssoconsole_signins_total{code="bad_password",method="password",result="refused"}'
    before_ok, before_bad = value(ok), value(bad)
    Client().post(
        "/login", {"step": "password", "username": plain_user.username, "password": password}
    )
    Client().post("/login", {"step": "password", "username": plain_user.username, "password": "x"})
    assert value(ok) == before_ok + 1 and value(bad) == before_bad + 1
    text = scrape.get("/metrics").content.decode()
    assert 'ssoconsole_http_request_duration_seconds_bucket{le="0.005",route="/login"}' in text


def test_days_until_each_providers_certificate_expires_are_exported(db, settings, tenant):
    from tests.signin import helpers

    provider = helpers.make_provider(tenant)
    settings.SSOCONSOLE_METRICS_TOKEN = "t"
    text = Client(HTTP_AUTHORIZATION="Bearer t").get("/metrics").content.decode()
    lines = [
        line
        for line in text.splitlines()
        if line.startswith("ssoconsole_idp_certificate_expiry_days{")
        and f'provider_id="{provider.id}"' in line
    ]
    assert len(lines) == 1 and float(lines[0].rsplit(" ", 1)[1]) > 0


def test_days_left_on_the_certificate_in_use_are_exported_with_the_moved_clock(
    db, settings, tenant, clock
):
    """The alerting gauge follows the certificate the IdP signs with, on the app clock."""
    from datetime import UTC, datetime

    from tests.signin import helpers

    provider = helpers.make_provider(tenant)  # the "idp-a" key: valid until 2028-01-01
    clock.current = datetime(2027, 12, 25, tzinfo=UTC)
    settings.SSOCONSOLE_METRICS_TOKEN = "t"
    text = Client(HTTP_AUTHORIZATION="Bearer t").get("/metrics").content.decode()
    (line,) = [
        line
        for line in text.splitlines()
        if line.startswith("ssoconsole_idp_signing_certificate_days_left{")
        and f'provider_id="{provider.id}"' in line
    ]
    assert 'learned="false"' in line and float(line.rsplit(" ", 1)[1]) == 7.0
