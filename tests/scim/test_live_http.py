"""Entra ID's provisioning sequences for a user and a group, replayed over HTTP on the live server.

The bodies are those Entra ID's provisioning service sends (its documented
request shapes: capitalised op names, ``"False"`` strings, filters on
``userName`` then on ``id`` with ``excludedAttributes``), in the order it sends them.
"""

from __future__ import annotations

import httpx
import pytest

from ssoconsole.accounts.models import User

from .conftest import ENTERPRISE, GROUP, PATCH, USER

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def http(app_url, tenant, scim_token):
    with httpx.Client(
        base_url=f"{app_url}/scim/v2/{tenant.id}",
        headers={"Authorization": f"Bearer {scim_token}", "Content-Type": "application/scim+json"},
        timeout=30,
    ) as client:
        yield client


def _patch(*operations):
    return {"schemas": [PATCH], "Operations": list(operations)}


def test_entra_user_lifecycle_create_update_disable_enable_delete(http):
    assert (
        http.get("/Users", params={"filter": 'userName eq "jo@contoso.example"'}).json()[
            "totalResults"
        ]
        == 0
    )
    created = http.post(
        "/Users",
        json={
            "schemas": [USER, ENTERPRISE],
            "externalId": "jo",
            "userName": "jo@contoso.example",
            "active": True,
            "displayName": "Jo Doe",
            "emails": [{"primary": True, "type": "work", "value": "jo@contoso.example"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Jo Doe", "familyName": "Doe", "givenName": "Jo"},
            "roles": [],
            ENTERPRISE: {"department": "Ops", "employeeNumber": "7"},
        },
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    # Update: Entra reads the user by id, then patches the attributes that differ.
    assert http.get(f"/Users/{user_id}").status_code == 200
    updated = http.patch(
        f"/Users/{user_id}",
        json=_patch(
            {"op": "Replace", "path": "name.familyName", "value": "Doe-Smith"},
            {
                "op": "Replace",
                "path": 'emails[type eq "work"].value',
                "value": "jo.ds@contoso.example",
            },
            {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Operations"},
        ),
    )
    assert updated.status_code == 200, updated.text
    console_user = User.objects.get(username="jo@contoso.example")
    assert (console_user.last_name, console_user.email) == ("Doe-Smith", "jo.ds@contoso.example")
    disabled = http.patch(
        f"/Users/{user_id}", json=_patch({"op": "Replace", "path": "active", "value": "False"})
    )
    assert disabled.json()["active"] is False
    assert not User.objects.get(id=console_user.id).is_active
    enabled = http.patch(
        f"/Users/{user_id}", json=_patch({"op": "Replace", "path": "active", "value": "True"})
    )
    assert enabled.json()["active"] is True
    assert User.objects.get(id=console_user.id).is_active
    assert http.delete(f"/Users/{user_id}").status_code == 204
    assert http.get(f"/Users/{user_id}").status_code == 404
    assert not User.objects.get(id=console_user.id).is_active


def test_entra_group_sequence_create_then_add_and_remove_members(http):
    members = []
    for name in ("a", "b"):
        response = http.post(
            "/Users",
            json={"schemas": [USER], "userName": f"{name}@contoso.example", "active": True},
        )
        members.append(response.json()["id"])
    assert (
        http.get(
            "/Groups", params={"filter": 'displayName eq "Ops"', "excludedAttributes": "members"}
        ).json()["totalResults"]
        == 0
    )
    group = http.post(
        "/Groups",
        json={"schemas": [GROUP], "externalId": "g-1", "displayName": "Ops", "members": []},
    )
    assert group.status_code == 201, group.text
    group_id = group.json()["id"]
    added = http.patch(
        f"/Groups/{group_id}",
        json=_patch({"op": "Add", "path": "members", "value": [{"value": m} for m in members]}),
    )
    assert added.status_code == 200
    probe = http.get(
        "/Groups",
        params={
            "filter": f'id eq "{group_id}" and members[value eq "{members[0]}"]',
            "excludedAttributes": "members",
        },
    )
    assert probe.json()["totalResults"] == 1
    removed = http.patch(
        f"/Groups/{group_id}",
        json=_patch({"op": "Remove", "path": "members", "value": [{"value": members[0]}]}),
    )
    assert removed.status_code == 200
    listed = http.get(f"/Groups/{group_id}").json()
    assert [m["value"] for m in listed["members"]] == [members[1]]


def test_bad_requests_over_http_are_scim_errors_never_5xx(http):
    for response in (
        http.get("/Users", params={"filter": "userName eq"}),
        http.post("/Users", content=b"{", headers={"Content-Type": "application/scim+json"}),
        http.post(
            "/Users", content=b"x" * (600 * 1024), headers={"Content-Type": "application/scim+json"}
        ),
        http.post("/Users", content=b"{}", headers={"Content-Type": "text/plain"}),
        http.patch(
            "/Users/00000000-0000-4000-8000-000000000000",
            json=_patch({"op": "Remove", "path": "x["}),
        ),
    ):
        assert 400 <= response.status_code < 500, response.text
        assert response.headers["Content-Type"].startswith("application/scim+json")
        assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
