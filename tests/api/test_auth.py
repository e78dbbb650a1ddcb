"""Authentication at the API's edge: bearer tokens, the console session, CSRF, and the 401 answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import ApiToken

from .catalog import P
from .conftest import ApiClient, session_client


def assert_401(response, code: str) -> None:
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_valid_bearer_token_authenticates_its_user(world):
    me = world.client("org-admin").get(f"{P}/me").json()
    assert me["username"] == world.users["org-admin"].username


def test_no_credentials_is_401_not_authenticated_with_a_bearer_challenge(anon):
    response = anon.get(f"{P}/me")
    assert_401(response, "not_authenticated")
    assert "Bearer" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "header",
    ["Bearer ssoc_wrong", "Bearer", "Basic dXNlcjpwYXNz", "ssoc_only", "Bearer " + "x" * 500],
)
def test_bad_authorization_headers_are_401_invalid_token(world, header):
    response = ApiClient().get(f"{P}/me", headers={"Authorization": header})
    assert_401(response, "invalid_token")
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_revoked_token_stops_working(world):
    raw, token = accounts.create_api_token(world.users["user"])
    assert ApiClient(raw).get(f"{P}/me").status_code == 200
    accounts.revoke_api_token(token)
    assert_401(ApiClient(raw).get(f"{P}/me"), "invalid_token")


def test_expired_token_stops_working(world):
    raw, token = accounts.create_api_token(world.users["user"])
    ApiToken.objects.filter(id=token.id).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_401(ApiClient(raw).get(f"{P}/me"), "invalid_token")


def test_token_of_a_deactivated_user_stops_working(world):
    accounts.set_active(world.users["user"], False)
    assert_401(world.client("user").get(f"{P}/me"), "invalid_token")


def test_a_bad_bearer_token_is_not_rescued_by_a_session_cookie(world):
    client, _ = session_client(world.users["org-admin"])
    response = client.get(f"{P}/me", headers={"Authorization": "Bearer ssoc_wrong"})
    assert_401(response, "invalid_token")


def test_console_session_authenticates_reads(world):
    client, _ = session_client(world.users["org-admin"])
    response = client.get(f"{P}/me")
    assert response.status_code == 200
    assert response.json()["tenantId"] == str(world.tenant.id)


def test_session_writes_without_the_csrf_token_are_refused(world):
    client, _ = session_client(world.users["org-admin"])
    response = client.post(f"{P}/orgs", {"name": "No CSRF"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert not world.tenant.organizations.filter(name="No CSRF").exists()


def test_session_writes_with_the_csrf_token_succeed(world):
    client, token = session_client(world.users["org-admin"])
    response = client.post(f"{P}/orgs", {"name": "With CSRF"}, headers={"X-CSRFToken": token})
    assert response.status_code == 201, response.content


def test_bearer_writes_need_no_csrf_token(world):
    client = ApiClient(world.tokens["org-admin"], client=Client(enforce_csrf_checks=True))
    assert client.post(f"{P}/orgs", {"name": "Bearer"}).status_code == 201


def test_anonymous_writes_get_401_not_a_csrf_error(anon):
    assert_401(anon.post(f"{P}/orgs", {"name": "X"}), "not_authenticated")


def test_a_deactivated_users_session_no_longer_authenticates(world):
    user = world.users["org-admin"]
    client, _ = session_client(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert_401(client.get(f"{P}/me"), "not_authenticated")


def test_authorization_is_checked_before_the_body_is_read(world):
    """A caller without the permission learns nothing about the input rules."""
    response = world.client("user").post(f"{P}/orgs", raw="{not json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
