"""Organizations through the API: create, list as a tree, rename, move without cycles, SSO setting."""

from __future__ import annotations

import uuid

from ssoconsole.audit.models import AuditEvent
from ssoconsole.tenancy import services as tenancy
from ssoconsole.tenancy.models import Organization

from .catalog import P


def test_create_org_returns_201_with_id_and_inherited_effective_setting(world, admin):
    response = admin.post(f"{P}/orgs", {"name": "Sales"})
    assert response.status_code == 201
    body = response.json()
    assert uuid.UUID(body["id"])
    assert body["parentId"] == str(world.top.id)
    assert body["ssoMode"] == "inherit" and body["providerId"] is None
    assert body["effectiveSso"] == {
        "mode": "none",
        "providerId": None,
        "sourceOrgId": str(world.top.id),
    }
    assert AuditEvent.objects.filter(
        action="org.created", target_id=body["id"], actor_id=world.users["all"].id
    ).exists()


def test_create_org_under_a_parent(world, admin):
    body = admin.post(f"{P}/orgs", {"name": "Backend", "parentId": str(world.child.id)}).json()
    assert body["parentId"] == str(world.child.id)


def test_sibling_names_are_unique_in_any_case(world, admin):
    response = admin.post(f"{P}/orgs", {"name": "ENGINEERING"})
    assert response.status_code == 409
    assert response.json()["error"] == {
        **response.json()["error"],
        "code": "org_name_taken",
        "field": "name",
    }


def test_blank_name_is_refused(admin):
    response = admin.post(f"{P}/orgs", {"name": "   "})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "name_required"


def test_list_is_in_tree_order_with_depth_and_pagination(world, admin):
    backend = tenancy.create_org(world.tenant, "Backend", parent_id=world.child.id)
    tenancy.create_org(world.tenant, "Apps")
    body = admin.get(f"{P}/orgs").json()
    assert [(o["name"], o["depth"]) for o in body["items"]] == [
        ("acme", 0),
        ("Apps", 1),
        ("Engineering", 1),
        ("Backend", 2),
    ]
    assert (body["page"], body["pageSize"], body["total"]) == (1, 50, 4)
    page2 = admin.get(f"{P}/orgs?page=2&pageSize=3").json()
    assert [o["id"] for o in page2["items"]] == [str(backend.id)]
    assert (page2["page"], page2["pageSize"], page2["total"]) == (2, 3, 4)


def test_list_filtered_by_parent_shows_direct_children_only(world, admin):
    tenancy.create_org(world.tenant, "Backend", parent_id=world.child.id)
    body = admin.get(f"{P}/orgs?parentId={world.top.id}").json()
    assert [o["name"] for o in body["items"]] == ["Engineering"]


def test_a_page_past_the_end_is_empty(admin):
    body = admin.get(f"{P}/orgs?page=99").json()
    assert body["items"] == [] and body["total"] == 2


def test_get_org_shows_its_effective_setting(world, admin):
    body = admin.get(f"{P}/orgs/{world.top.id}").json()
    assert body["parentId"] is None and body["ssoMode"] == "none"


def test_patch_renames(world, admin):
    body = admin.patch(f"{P}/orgs/{world.child.id}", {"name": "R&D"}).json()
    assert body["name"] == "R&D"
    assert Organization.objects.get(id=world.child.id).name == "R&D"


def test_patch_moves(world, admin):
    sales = tenancy.create_org(world.tenant, "Sales")
    body = admin.patch(f"{P}/orgs/{world.child.id}", {"parentId": str(sales.id)}).json()
    assert body["parentId"] == str(sales.id)


def test_moving_an_org_under_its_own_descendant_is_refused_and_nothing_changes(world, admin):
    backend = tenancy.create_org(world.tenant, "Backend", parent_id=world.child.id)
    events = AuditEvent.objects.count()
    response = admin.patch(
        f"{P}/orgs/{world.child.id}", {"name": "Renamed too", "parentId": str(backend.id)}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "org_move_cycle" and error["field"] == "parentId"
    child = Organization.objects.get(id=world.child.id)
    assert (child.name, child.parent_id) == (
        "Engineering",
        world.top.id,
    )  # the rename was rolled back too
    assert AuditEvent.objects.count() == events


def test_moving_an_org_under_itself_is_refused(world, admin):
    response = admin.patch(f"{P}/orgs/{world.child.id}", {"parentId": str(world.child.id)})
    assert response.json()["error"]["code"] == "org_move_cycle"


def test_the_top_org_cannot_be_moved(world, admin):
    response = admin.patch(f"{P}/orgs/{world.top.id}", {"parentId": str(world.child.id)})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "org_top_immovable"


def test_empty_patch_changes_nothing(world, admin):
    events = AuditEvent.objects.count()
    assert admin.patch(f"{P}/orgs/{world.child.id}", {}).json()["name"] == "Engineering"
    assert AuditEvent.objects.count() == events


def test_set_sso_none_then_inherit(world, admin):
    body = admin.put(f"{P}/orgs/{world.child.id}/sso", {"mode": "none"}).json()
    assert body["ssoMode"] == "none" and body["effectiveSso"]["sourceOrgId"] == str(world.child.id)
    body = admin.put(f"{P}/orgs/{world.child.id}/sso", {"mode": "inherit"}).json()
    assert body["ssoMode"] == "inherit" and body["effectiveSso"]["sourceOrgId"] == str(world.top.id)
    assert (
        AuditEvent.objects.filter(action="org.sso_changed", target_id=str(world.child.id)).count()
        == 2
    )


def test_the_top_org_cannot_inherit(world, admin):
    response = admin.put(f"{P}/orgs/{world.top.id}/sso", {"mode": "inherit"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "org_top_cannot_inherit"


def test_provider_mode_needs_a_provider_of_the_tenant(world, admin):
    response = admin.put(f"{P}/orgs/{world.child.id}/sso", {"mode": "provider"})
    assert response.json()["error"]["code"] == "provider_required"
    response = admin.put(
        f"{P}/orgs/{world.child.id}/sso", {"mode": "provider", "providerId": str(uuid.uuid4())}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "provider_not_found"
    assert Organization.objects.get(id=world.child.id).sso_mode == "inherit"


def test_provider_id_is_refused_without_provider_mode(world, admin):
    response = admin.put(
        f"{P}/orgs/{world.child.id}/sso", {"mode": "none", "providerId": str(uuid.uuid4())}
    )
    assert response.json()["error"]["code"] == "provider_not_allowed"


def test_provider_mode_with_a_registered_provider_is_inherited_by_children(
    world, admin, monkeypatch
):
    provider_id = uuid.uuid4()
    monkeypatch.setattr(
        tenancy,
        "_provider_checkers",
        [lambda tenant, pid: tenant == world.tenant and pid == provider_id],
    )
    backend = tenancy.create_org(world.tenant, "Backend", parent_id=world.child.id)
    admin.put(
        f"{P}/orgs/{world.child.id}/sso", {"mode": "provider", "providerId": str(provider_id)}
    )
    body = admin.get(f"{P}/orgs/{backend.id}").json()
    assert body["effectiveSso"] == {
        "mode": "provider",
        "providerId": str(provider_id),
        "sourceOrgId": str(world.child.id),
    }
