"""The caller's own resources: /me, the service-provider values, API tokens."""

from __future__ import annotations

from ssoconsole.accounts.models import ApiToken
from ssoconsole.audit.models import AuditEvent

from .catalog import P
from .conftest import ApiClient


def test_me_returns_the_contract_fields(world):
    user = world.users["org-admin"]
    body = world.client("org-admin").get(f"{P}/me").json()
    assert {
        k: body[k] for k in ("username", "firstName", "lastName", "tenantId", "orgId", "roles")
    } == {
        "username": user.username,
        "firstName": "",
        "lastName": "",
        "tenantId": str(world.tenant.id),
        "orgId": str(world.top.id),
        "roles": ["org-admin"],
    }
    assert "users.manage" in body["capabilities"] and "orgs.sso" not in body["capabilities"]


def test_service_provider_urls_come_from_the_base_url(world, settings):
    settings.SSOCONSOLE_BASE_URL = "https://sso.example.com"
    body = (
        world.client("user")
        .get(f"{P}/service-provider", headers={"Host": "attacker.example"})
        .json()
    )
    tid = world.tenant.id
    assert body == {
        "entityId": f"https://sso.example.com/{tid}",
        "acsUrl": f"https://sso.example.com/sso/{tid}/acs",
        "loginUrl": "https://sso.example.com/login",
        "metadataUrl": f"https://sso.example.com/sso/{tid}/metadata",
    }


def test_created_token_is_shown_once_and_works(world):
    client = world.client("user")
    response = client.post(f"{P}/api-tokens", {"name": "backup script"})
    assert response.status_code == 201
    created = response.json()
    assert created["token"].startswith(created["prefix"]) and created["name"] == "backup script"
    assert (
        ApiClient(created["token"]).get(f"{P}/me").json()["username"]
        == world.users["user"].username
    )
    listed = client.get(f"{P}/api-tokens").json()["items"]
    assert created["id"] in [t["id"] for t in listed]
    assert all("token" not in t for t in listed)
    assert created["token"] not in client.get(f"{P}/api-tokens").content.decode()


def test_token_can_expire_by_itself(world):
    from datetime import timedelta

    from django.utils import timezone

    created = (
        world.client("user").post(f"{P}/api-tokens", {"name": "ci", "expiresInDays": 30}).json()
    )
    expires = ApiToken.objects.get(id=created["id"]).expires_at
    assert timedelta(days=29) < expires - timezone.now() <= timedelta(days=30)
    assert created["expiresAt"] is not None
    ApiToken.objects.filter(id=created["id"]).update(expires_at=timezone.now())
    assert ApiClient(created["token"]).get(f"{P}/me").status_code == 401


def test_token_lifetime_is_bounded(world):
    for days in (0, 3651, "30"):
        response = world.client("user").post(f"{P}/api-tokens", {"expiresInDays": days})
        assert response.status_code == 400, days


def test_token_name_is_optional(world):
    assert world.client("user").post(f"{P}/api-tokens", {}).json()["name"] == ""


def test_tokens_list_only_the_callers_own(world):
    items = world.client("user").get(f"{P}/api-tokens").json()["items"]
    own = set(ApiToken.objects.filter(user=world.users["user"]).values_list("id", flat=True))
    assert {t["id"] for t in items} == {str(i) for i in own}


def test_revoking_a_token_stops_it_and_hides_it(world):
    client = world.client("user")
    created = client.post(f"{P}/api-tokens", {"name": "temp"}).json()
    assert client.delete(f"{P}/api-tokens/{created['id']}").status_code == 204
    assert ApiClient(created["token"]).get(f"{P}/me").status_code == 401
    assert created["id"] not in [t["id"] for t in client.get(f"{P}/api-tokens").json()["items"]]
    assert client.delete(f"{P}/api-tokens/{created['id']}").status_code == 404
    assert AuditEvent.objects.filter(action="api_token.revoked", target_id=created["id"]).exists()


def test_another_users_token_in_the_same_tenant_cannot_be_revoked(world):
    victim = ApiToken.objects.filter(user=world.users["org-admin"]).first()
    response = world.client("user").delete(f"{P}/api-tokens/{victim.id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "api_token_not_found"
    victim.refresh_from_db()
    assert victim.revoked_at is None


def test_a_token_can_revoke_itself(world):
    client = world.client("user")
    own = ApiToken.objects.get(user=world.users["user"])
    assert client.delete(f"{P}/api-tokens/{own.id}").status_code == 204
    assert client.get(f"{P}/me").status_code == 401
