"""A database outage is answered with 503, Retry-After and a page that says to try again; never a 500.

The outage is simulated here by the first database call of a request
failing with ``OperationalError`` (tests/ops/test_faults.py restarts a
real PostgreSQL under load).
"""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

OUTAGE = OperationalError("server closed the connection unexpectedly")


@pytest.fixture
def browser():
    return Client(raise_request_exception=False)


def _down(*args, **kwargs):
    raise OUTAGE


def test_the_login_page_says_to_try_again_with_the_request_id(db, browser, monkeypatch):
    from ssoconsole.accounts import signin

    monkeypatch.setattr(signin, "next_step_for", _down)
    response = browser.get("/login", {"username": "ada@example.test"}, HTTP_X_REQUEST_ID="ref-42")
    body = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "database_unavailable" in body and "try again" in body and "ref-42" in body
    assert response["X-Request-ID"] == "ref-42"


def test_the_acs_answers_503_not_its_4xx_page_nor_a_500(db, browser, tenant, monkeypatch):
    from ssoconsole.sso import outstanding

    monkeypatch.setattr(outstanding, "find_request", _down)
    response = browser.post(f"/sso/{tenant.id}/acs", {"SAMLResponse": "eA==", "RelayState": "r"})
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "database_unavailable" in response.content.decode()


def test_the_api_answers_a_json_503(db, browser, plain_user_token, monkeypatch):
    from ssoconsole.api import auth

    monkeypatch.setattr(auth, "user_for_token", _down)
    response = browser.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plain_user_token}")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    error = response.json()["error"]
    assert error["code"] == "database_unavailable" and error["details"]["retryAfterSeconds"] == 5


def test_a_genuine_bug_is_a_500_page_with_the_request_id(db, browser, monkeypatch):
    from ssoconsole.accounts import signin

    def bug(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(signin, "next_step_for", bug)
    response = browser.get("/login", {"username": "ada@example.test"}, HTTP_X_REQUEST_ID="ref-43")
    assert response.status_code == 500 and "ref-43" in response.content.decode()


def test_a_request_id_that_is_not_sane_is_replaced(db, browser):
    response = browser.get("/healthz", HTTP_X_REQUEST_ID="x" * 500)
    assert response["X-Request-ID"] != "x" * 500 and len(response["X-Request-ID"]) == 32
