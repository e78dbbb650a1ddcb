"""SCIM Groups as Entra ID pushes them: create, find by displayName, member PATCHes, rename, delete."""

from __future__ import annotations

import pytest

from ssoconsole.audit.models import AuditEvent
from ssoconsole.scim.models import ScimMembership

from .conftest import GROUP, entra_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(scim):
    return [
        scim.post("/Users", entra_user(f"p{i}@contoso.example", externalId=f"p{i}")).json_body["id"]
        for i in range(3)
    ]


def _group(scim, name="Sales team", **extra):
    response = scim.post("/Groups", {"schemas": [GROUP], "displayName": name, **extra})
    assert response.status_code == 201, response.json_body
    return response.json_body


def _member_ids(scim, group_id):
    return sorted(m["value"] for m in scim.get(f"/Groups/{group_id}").json_body.get("members", []))


def test_entra_group_sequence_find_create_add_and_remove_members(scim, people):
    lookup = scim.get("/Groups", filter='displayName eq "Sales team"', excludedAttributes="members")
    assert lookup.json_body["totalResults"] == 0
    group = _group(scim, externalId="8e3a")
    assert group["meta"]["resourceType"] == "Group" and group["externalId"] == "8e3a"
    added = scim.patch(
        f"/Groups/{group['id']}",
        [{"op": "Add", "path": "members", "value": [{"value": people[0]}, {"value": people[1]}]}],
    )
    assert added.status_code == 200
    assert _member_ids(scim, group["id"]) == sorted(people[:2])
    removed = scim.patch(
        f"/Groups/{group['id']}",
        [{"op": "Remove", "path": "members", "value": [{"value": people[0]}]}],
    )
    assert removed.status_code == 200
    assert _member_ids(scim, group["id"]) == [people[1]]


def test_remove_member_by_value_filter_path(scim, people):
    group = _group(scim, members=[{"value": p} for p in people])
    response = scim.patch(
        f"/Groups/{group['id']}",
        [{"op": "remove", "path": f'members[value eq "{people[2]}"]'}],
    )
    assert response.status_code == 200
    assert _member_ids(scim, group["id"]) == sorted(people[:2])


def test_membership_filter_on_a_group_answers_whether_a_user_is_a_member(scim, people):
    group = _group(scim, members=[{"value": people[0]}])
    hit = scim.get("/Groups", filter=f'id eq "{group["id"]}" and members[value eq "{people[0]}"]')
    miss = scim.get("/Groups", filter=f'id eq "{group["id"]}" and members[value eq "{people[1]}"]')
    assert hit.json_body["totalResults"] == 1 and miss.json_body["totalResults"] == 0


def test_group_is_found_by_display_name_in_any_case(scim):
    group = _group(scim)
    found = scim.get("/Groups", filter='displayName eq "SALES TEAM"').json_body
    assert [g["id"] for g in found["Resources"]] == [group["id"]]


def test_excluded_members_are_left_out(scim, people):
    group = _group(scim, members=[{"value": people[0]}])
    body = scim.get(f"/Groups/{group['id']}", excludedAttributes="members").json_body
    assert "members" not in body and body["displayName"] == "Sales team"


def test_rename_with_a_no_path_replace_that_repeats_the_id(scim):
    group = _group(scim)
    response = scim.patch(
        f"/Groups/{group['id']}",
        [{"op": "Replace", "value": {"id": group["id"], "displayName": "Sales EMEA"}}],
    )
    assert response.status_code == 200 and response.json_body["displayName"] == "Sales EMEA"
    assert response.json_body["meta"]["version"] == 'W/"2"'


def test_put_replaces_members_and_name(scim, people):
    group = _group(scim, members=[{"value": people[0]}])
    response = scim.put(
        f"/Groups/{group['id']}",
        {"schemas": [GROUP], "displayName": "Renamed", "members": [{"value": people[2]}]},
    )
    assert response.status_code == 200
    assert _member_ids(scim, group["id"]) == [people[2]]


def test_replace_members_sets_the_whole_list(scim, people):
    group = _group(scim, members=[{"value": people[0]}])
    scim.patch(
        f"/Groups/{group['id']}",
        [
            {
                "op": "replace",
                "path": "members",
                "value": [{"value": people[1]}, {"value": people[2]}],
            }
        ],
    )
    assert _member_ids(scim, group["id"]) == sorted(people[1:])


def test_duplicate_display_name_is_a_uniqueness_error(scim):
    _group(scim)
    response = scim.post("/Groups", {"schemas": [GROUP], "displayName": "sales TEAM"})
    assert response.status_code == 409 and response.json_body["scimType"] == "uniqueness"
    assert "displayName" in response.json_body["detail"]


def test_unknown_member_is_refused_and_nested_groups_are_not_supported(scim, people):
    group = _group(scim)
    unknown = scim.patch(
        f"/Groups/{group['id']}",
        [
            {
                "op": "add",
                "path": "members",
                "value": [{"value": "3f0a0c8e-0000-4000-8000-000000000000"}],
            }
        ],
    )
    assert unknown.status_code == 400 and unknown.json_body["scimType"] == "invalidValue"
    nested = scim.patch(
        f"/Groups/{group['id']}",
        [{"op": "add", "path": "members", "value": [{"value": group["id"], "type": "Group"}]}],
    )
    assert nested.status_code == 400 and "nested" in nested.json_body["detail"]


def test_user_shows_its_groups_and_a_deleted_user_leaves_them(scim, people):
    group = _group(scim, members=[{"value": people[0]}])
    groups = scim.get(f"/Users/{people[0]}").json_body["groups"]
    assert [g["value"] for g in groups] == [group["id"]]
    scim.delete(f"/Users/{people[0]}")
    assert _member_ids(scim, group["id"]) == []


def test_delete_group_keeps_its_users(scim, people):
    group = _group(scim, members=[{"value": p} for p in people])
    assert scim.delete(f"/Groups/{group['id']}").status_code == 204
    assert scim.get(f"/Groups/{group['id']}").status_code == 404
    assert not ScimMembership.objects.exists()
    assert scim.get(f"/Users/{people[0]}").status_code == 200


def test_group_changes_are_audited_with_the_scim_source(scim, people):
    group = _group(scim)
    scim.patch(
        f"/Groups/{group['id']}",
        [{"op": "add", "path": "members", "value": [{"value": people[0]}]}],
    )
    scim.delete(f"/Groups/{group['id']}")
    actions = list(
        AuditEvent.objects.filter(actor_label="scim", target_type="scimgroup")
        .order_by("created_at")
        .values_list("action", flat=True)
    )
    assert actions == ["scim.group_created", "scim.group_members_changed", "scim.group_deleted"]
