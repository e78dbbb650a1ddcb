"""REST API of provisioning: rules, group mappings and Secret Tokens (identity.manage)."""

from __future__ import annotations

import pytest

from ssoconsole.scim.models import ScimToken

from .conftest import GROUP, ScimClient

pytestmark = pytest.mark.django_db
P = "/api/v1/provisioning"


def test_settings_round_trip_and_refuse_another_tenants_org(
    api_client, identity_admin_token, make_org, other_tenant
):
    from ssoconsole.tenancy.services import top_org

    client = api_client(identity_admin_token)
    sales = make_org("Sales")
    body = {
        "placementAttribute": "department",
        "defaultOrgId": str(sales.id),
        "deactivationDelayMinutes": 15,
    }
    saved = client.put(f"{P}/settings", body, content_type="application/json").json()
    assert saved["placementAttribute"] == "department" and saved["defaultOrgId"] == str(sales.id)
    assert saved["tenantUrl"].endswith(f"/scim/v2/{sales.tenant_id}")
    body["defaultOrgId"] = str(top_org(other_tenant).id)
    refused = client.put(f"{P}/settings", body, content_type="application/json")
    assert refused.status_code == 404 and refused.json()["error"]["field"] == "defaultOrgId"
    body.update(defaultOrgId=None, deactivationDelayMinutes=-1)
    assert client.put(f"{P}/settings", body, content_type="application/json").status_code == 400


def test_token_is_returned_once_and_revocation_stops_it(api_client, identity_admin_token, tenant):
    client = api_client(identity_admin_token)
    created = client.post(f"{P}/tokens", {"name": "Entra"}, content_type="application/json")
    assert created.status_code == 201
    raw = created.json()["token"]
    assert ScimClient(tenant, raw).get("/Users").status_code == 200
    listed = client.get(f"{P}/tokens").json()
    assert "token" not in listed[0] and listed[0]["prefix"] == raw[:12]
    assert client.delete(f"{P}/tokens/{created.json()['id']}").status_code == 204
    assert ScimClient(tenant, raw).get("/Users").status_code == 401
    assert ScimToken.objects.get(id=created.json()["id"]).revoked_at is not None


def test_group_mapping_over_the_api(api_client, identity_admin_token, scim, make_org):
    eng = make_org("Engineering")
    group_id = scim.post("/Groups", {"schemas": [GROUP], "displayName": "Eng"}).json_body["id"]
    client = api_client(identity_admin_token)
    mapped = client.put(
        f"{P}/groups/{group_id}/org", {"orgId": str(eng.id)}, content_type="application/json"
    )
    assert mapped.json()["groupMappings"] == [
        {"groupId": group_id, "groupName": "Eng", "orgId": str(eng.id)}
    ]
