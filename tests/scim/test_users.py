"""SCIM Users as Entra ID's provisioning service drives them, and how they map onto console users."""

from __future__ import annotations

import pytest

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import ConsoleSession, User
from ssoconsole.accounts.roles import Role
from ssoconsole.audit.models import AuditEvent
from ssoconsole.scim.models import ScimUser
from tests.agents.helpers import make_agent

from .conftest import ENTERPRISE, USER, entra_user

pytestmark = pytest.mark.django_db


def _create(scim, username="ann@contoso.example", **extra):
    response = scim.post("/Users", entra_user(username, **extra))
    assert response.status_code == 201, response.json_body
    return response.json_body


def test_entra_new_user_sequence_get_then_post_then_patch(scim):
    """Entra asks whether the user exists (empty list), creates it, then patches what differs."""
    lookup = scim.get("/Users", filter='userName eq "ann@contoso.example"')
    assert lookup.status_code == 200
    assert lookup.json_body["totalResults"] == 0 and lookup.json_body["Resources"] == []
    created = scim.post("/Users", entra_user("ann@contoso.example"))
    assert created.status_code == 201
    assert created["Location"] == created.json_body["meta"]["location"]
    user_id = created.json_body["id"]
    patched = scim.patch(
        f"/Users/{user_id}",
        [{"op": "Add", "path": "title", "value": "Lead engineer"}],
    )
    assert patched.status_code == 200
    assert patched.json_body["title"] == "Lead engineer"
    found = scim.get("/Users", filter='userName eq "ANN@contoso.example"')
    assert [r["id"] for r in found.json_body["Resources"]] == [user_id]


def test_created_user_is_a_console_user_with_mapped_fields(scim, tenant):
    body = _create(scim)
    user = User.objects.get(username="ann@contoso.example")
    assert user.tenant_id == tenant.id
    assert (user.first_name, user.last_name, user.email) == (
        "Ann",
        "Example",
        "ann@contoso.example",
    )
    assert user.is_active and not user.has_usable_password()
    assert user.role_names == [Role.USER]
    assert ScimUser.objects.get(id=body["id"]).user_id == user.id


def test_response_carries_meta_with_weak_etag_and_location(scim, tenant):
    body = _create(scim)
    meta = body["meta"]
    assert meta["resourceType"] == "User"
    assert meta["version"] == 'W/"1"'
    assert meta["location"].endswith(f"/scim/v2/{tenant.id}/Users/{body['id']}")
    assert meta["created"] and meta["lastModified"]
    fetched = scim.get(f"/Users/{body['id']}")
    assert fetched["ETag"] == 'W/"1"'
    assert fetched["Content-Type"].startswith("application/scim+json")


@pytest.mark.parametrize("op", ["Replace", "REPLACE", "replace"])
def test_operation_names_are_accepted_in_any_case(scim, op):
    user_id = _create(scim)["id"]
    response = scim.patch(f"/Users/{user_id}", [{"op": op, "path": "displayName", "value": "A."}])
    assert response.status_code == 200
    assert response.json_body["displayName"] == "A."


def test_active_sent_as_the_string_False_deactivates_the_console_user(scim):
    user_id = _create(scim)["id"]
    response = scim.patch(
        f"/Users/{user_id}", [{"op": "Replace", "path": "active", "value": "False"}]
    )
    assert response.status_code == 200
    assert response.json_body["active"] is False
    assert User.objects.get(username="ann@contoso.example").is_active is False


def test_work_email_path_replaces_the_address_and_the_console_email(scim):
    user_id = _create(scim)["id"]
    response = scim.patch(
        f"/Users/{user_id}",
        [
            {
                "op": "replace",
                "path": 'emails[type eq "work"].value',
                "value": "ann.e@contoso.example",
            }
        ],
    )
    assert response.status_code == 200
    assert response.json_body["emails"] == [
        {"value": "ann.e@contoso.example", "type": "work", "primary": True}
    ]
    assert User.objects.get(username="ann@contoso.example").email == "ann.e@contoso.example"


def test_work_email_path_adds_the_address_when_the_user_has_none(scim):
    user_id = _create(scim, emails=[])["id"]
    response = scim.patch(
        f"/Users/{user_id}",
        [{"op": "Add", "path": 'emails[type eq "work"].value', "value": "w@contoso.example"}],
    )
    assert response.json_body["emails"] == [{"value": "w@contoso.example", "type": "work"}]


def test_name_given_name_path_changes_the_first_name(scim):
    user_id = _create(scim)["id"]
    scim.patch(f"/Users/{user_id}", [{"op": "Replace", "path": "name.givenName", "value": "Anna"}])
    user = User.objects.get(username="ann@contoso.example")
    assert user.first_name == "Anna" and user.last_name == "Example"


def test_patch_without_path_takes_a_value_object_with_dotted_and_urn_keys(scim):
    user_id = _create(scim)["id"]
    response = scim.patch(
        f"/Users/{user_id}",
        [
            {
                "op": "Replace",
                "value": {
                    "name.givenName": "Annie",
                    "name.familyName": "Sample",
                    "active": "True",
                    f"{ENTERPRISE}:department": "Finance",
                    "title": "CFO",
                },
            }
        ],
    )
    assert response.status_code == 200, response.json_body
    body = response.json_body
    assert body["name"]["givenName"] == "Annie" and body["name"]["familyName"] == "Sample"
    assert body[ENTERPRISE]["department"] == "Finance" and body["title"] == "CFO"
    user = User.objects.get(username="ann@contoso.example")
    assert (user.first_name, user.last_name) == ("Annie", "Sample")


def test_enterprise_extension_is_kept_and_returned_with_manager_sent_as_an_id(scim):
    manager_id = _create(scim, "boss@contoso.example")["id"]
    user_id = _create(scim)["id"]
    scim.patch(
        f"/Users/{user_id}",
        [{"op": "Add", "path": f"{ENTERPRISE}:manager", "value": manager_id}],
    )
    extension = scim.get(f"/Users/{user_id}").json_body[ENTERPRISE]
    assert extension["department"] == "Sales" and extension["employeeNumber"] == "42"
    assert extension["manager"]["value"] == manager_id
    assert extension["manager"]["$ref"].endswith(f"/Users/{manager_id}")


def test_external_id_is_kept_and_searchable(scim):
    user_id = _create(scim, externalId="0a1b-77")["id"]
    found = scim.get("/Users", filter='externalId eq "0a1b-77"').json_body
    assert [r["id"] for r in found["Resources"]] == [user_id]
    assert found["Resources"][0]["externalId"] == "0a1b-77"
    assert scim.get("/Users", filter='externalId eq "0A1B-77"').json_body["totalResults"] == 0


@pytest.mark.parametrize(
    "expression",
    [
        'userName eq "ann@contoso.example"',
        'emails[type eq "work"].value eq "Ann@Contoso.example"',
        'emails[type eq "work" and value eq "ann@contoso.example"]',
        'id eq "{id}"',
        'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ann@contoso.example"',
        'userName sw "ann@" and not (active eq false)',
    ],
)
def test_filters_find_the_user(scim, expression):
    user_id = _create(scim)["id"]
    _create(scim, "bob@contoso.example")
    found = scim.get("/Users", filter=expression.replace("{id}", user_id)).json_body
    assert [r["id"] for r in found["Resources"]] == [user_id]


@pytest.mark.parametrize(
    "expression",
    ['userName eq "nobody@contoso.example"', 'id eq "not-a-uuid"', 'externalId eq "x"'],
)
def test_an_unknown_user_is_an_empty_list_not_a_404(scim, expression):
    _create(scim)
    response = scim.get("/Users", filter=expression)
    assert response.status_code == 200
    assert response.json_body["totalResults"] == 0


def test_start_index_and_count_page_through_users_in_creation_order(scim):
    ids = [_create(scim, f"u{i}@contoso.example", externalId=f"e{i}")["id"] for i in range(5)]
    page = scim.get("/Users", startIndex=2, count=2).json_body
    assert page["totalResults"] == 5 and page["startIndex"] == 2 and page["itemsPerPage"] == 2
    assert [r["id"] for r in page["Resources"]] == ids[1:3]
    assert scim.get("/Users", count=0).json_body["Resources"] == []
    assert scim.get("/Users", startIndex=0, count=1).json_body["startIndex"] == 1


def test_count_is_capped_at_the_published_maximum(scim):
    response = scim.get("/Users", count=100000)
    assert response.status_code == 200


def test_put_replaces_the_document_and_keeps_active_when_absent(scim):
    user_id = _create(scim)["id"]
    response = scim.put(
        f"/Users/{user_id}",
        {"schemas": [USER], "userName": "ann@contoso.example", "name": {"givenName": "Ann"}},
    )
    assert response.status_code == 200
    body = response.json_body
    assert "title" not in body and ENTERPRISE not in body and body["active"] is True
    assert body["meta"]["version"] == 'W/"2"'


def test_patch_remove_takes_attributes_and_filtered_elements_away(scim):
    user_id = _create(scim)["id"]
    response = scim.patch(
        f"/Users/{user_id}",
        [
            {"op": "Remove", "path": "title"},
            {"op": "remove", "path": 'addresses[type eq "work"]'},
            {"op": "remove", "path": f"{ENTERPRISE}:department"},
        ],
    )
    body = response.json_body
    assert "title" not in body and "addresses" not in body
    assert "department" not in body[ENTERPRISE]


def test_if_match_with_a_stale_version_is_refused_with_412(scim):
    user_id = _create(scim)["id"]
    ok = scim.patch(
        f"/Users/{user_id}",
        [{"op": "replace", "path": "title", "value": "x"}],
        **{"If-Match": 'W/"1"'},
    )
    assert ok.status_code == 200
    stale = scim.patch(
        f"/Users/{user_id}",
        [{"op": "replace", "path": "title", "value": "y"}],
        **{"If-Match": 'W/"1"'},
    )
    assert stale.status_code == 412
    assert "version" in stale.json_body["detail"]


def test_delete_hides_the_user_from_scim_but_keeps_it_inactive_in_the_console(scim):
    user_id = _create(scim)["id"]
    assert scim.delete(f"/Users/{user_id}").status_code == 204
    assert scim.get(f"/Users/{user_id}").status_code == 404
    assert (
        scim.get("/Users", filter='userName eq "ann@contoso.example"').json_body["totalResults"]
        == 0
    )
    user = User.objects.get(username="ann@contoso.example")
    assert user.is_active is False


def test_post_after_delete_brings_back_the_same_console_user(scim):
    first = _create(scim)["id"]
    console_id = User.objects.get(username="ann@contoso.example").id
    scim.delete(f"/Users/{first}")
    again = scim.post("/Users", entra_user("ann@contoso.example"))
    assert again.status_code == 201
    user = User.objects.get(username="ann@contoso.example")
    assert user.id == console_id and user.is_active
    assert scim.get(f"/Users/{again.json_body['id']}").status_code == 200


def test_post_of_a_provisioned_username_is_a_uniqueness_error_naming_userName(scim):
    _create(scim)
    response = scim.post("/Users", entra_user("ANN@contoso.example"))
    assert response.status_code == 409
    assert response.json_body["scimType"] == "uniqueness"
    assert "userName" in response.json_body["detail"]


def test_username_of_another_tenant_is_a_uniqueness_error(scim, make_user, other_tenant):
    make_user("taken@contoso.example", tenant=other_tenant)
    response = scim.post("/Users", entra_user("taken@contoso.example"))
    assert response.status_code == 409
    assert response.json_body["scimType"] == "uniqueness"
    assert "userName" in response.json_body["detail"]
    assert "another tenant" in response.json_body["detail"]


def test_post_links_an_existing_console_user_of_the_tenant(scim, make_user):
    existing = make_user("hand.made@contoso.example")
    response = scim.post("/Users", entra_user("hand.made@contoso.example"))
    assert response.status_code == 201
    assert ScimUser.objects.get(id=response.json_body["id"]).user_id == existing.id


def test_deactivation_ends_sessions_and_agent_tokens_at_once(
    scim, signed_in_client, api_client, password
):
    user_id = _create(scim)["id"]
    user = User.objects.get(username="ann@contoso.example")
    accounts.set_password(user, password)
    client = signed_in_client(user)
    agent = make_agent(user)
    assert api_client(agent.token).get("/api/v1/agents/me").status_code == 200
    scim.patch(f"/Users/{user_id}", [{"op": "Replace", "path": "active", "value": False}])
    assert not ConsoleSession.objects.filter(user_id=user.id).exists()
    assert client.get("/console/").status_code == 302
    refused = api_client(agent.token).get("/api/v1/agents/me")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "user_inactive"


def test_last_active_identity_admin_cannot_be_deprovisioned(scim, make_user):
    admin = make_user("idadmin@contoso.example", roles=[Role.IDENTITY_ADMIN])
    user_id = scim.post("/Users", entra_user("idadmin@contoso.example")).json_body["id"]
    response = scim.patch(
        f"/Users/{user_id}", [{"op": "replace", "path": "active", "value": False}]
    )
    assert response.status_code == 400
    assert response.json_body["scimType"] == "mutability"
    assert "last active Identity Management Administrator" in response.json_body["detail"]
    assert scim.delete(f"/Users/{user_id}").status_code == 400
    admin.refresh_from_db()
    assert admin.is_active
    make_user("second@contoso.example", roles=[Role.IDENTITY_ADMIN])
    assert scim.delete(f"/Users/{user_id}").status_code == 204


def test_every_scim_change_is_audited_with_the_scim_source(scim):
    user_id = _create(scim)["id"]
    scim.patch(f"/Users/{user_id}", [{"op": "replace", "path": "name.familyName", "value": "X"}])
    scim.patch(f"/Users/{user_id}", [{"op": "replace", "path": "active", "value": False}])
    scim.delete(f"/Users/{user_id}")
    actions = list(
        AuditEvent.objects.filter(actor_label="scim")
        .order_by("created_at")
        .values_list("action", flat=True)
    )
    assert actions == [
        "user.created",
        "scim.user_provisioned",
        "user.updated",
        "user.deactivated",
        "scim.user_deleted",
    ]


def test_deactivation_waits_for_the_tenants_delay(scim, tenant, clock):
    from ssoconsole.scim import placement
    from ssoconsole.scim.users import apply_due_deactivations

    placement.update_rules(
        tenant, placement_attribute="none", default_org_id=None, deactivation_delay_minutes=15
    )
    user_id = _create(scim)["id"]
    response = scim.patch(
        f"/Users/{user_id}", [{"op": "replace", "path": "active", "value": False}]
    )
    assert response.json_body["active"] is False
    user = User.objects.get(username="ann@contoso.example")
    assert user.is_active
    assert apply_due_deactivations(now=clock.advance(minutes=14)) == 0
    assert apply_due_deactivations(now=clock.advance(minutes=2)) == 1
    user.refresh_from_db()
    assert not user.is_active


def test_reactivation_is_explicit(scim):
    user_id = _create(scim)["id"]
    scim.patch(f"/Users/{user_id}", [{"op": "replace", "path": "active", "value": False}])
    scim.patch(f"/Users/{user_id}", [{"op": "replace", "path": "title", "value": "back?"}])
    assert User.objects.get(username="ann@contoso.example").is_active is False
    scim.patch(f"/Users/{user_id}", [{"op": "replace", "path": "active", "value": True}])
    assert User.objects.get(username="ann@contoso.example").is_active is True


@pytest.mark.parametrize(
    ("username", "named"),
    [
        ("ann@contoso.example\u2003", "U+2003"),
        ("\uff41nn@contoso.example", "U+FF41"),
        ("a b@x.example", "space"),
    ],
)
def test_username_rule_of_the_console_applies_to_userName(scim, username, named):
    response = scim.post("/Users", entra_user(username, emails=[]))
    assert response.status_code == 400
    assert response.json_body["scimType"] == "invalidValue"
    assert (
        response.json_body["detail"].startswith("userName: ")
        and named in response.json_body["detail"]
    )
    assert not User.objects.filter(username=username).exists()
