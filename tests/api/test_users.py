"""Users through the API: create, search, edit, deactivate and reactivate."""

from __future__ import annotations

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import User
from ssoconsole.audit.models import AuditEvent

from .catalog import P


def new_user(world, **extra) -> dict:
    return {"username": "Alice@Acme.example", "orgId": str(world.child.id), **extra}


def test_create_user_returns_201_with_id_and_defaults(world, admin):
    response = admin.post(
        f"{P}/users",
        new_user(world, firstName="Alice", lastName="Liddell", email="alice@acme.example"),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "Alice@Acme.example"
    assert (body["firstName"], body["lastName"], body["email"]) == (
        "Alice",
        "Liddell",
        "alice@acme.example",
    )
    assert (
        body["roles"] == ["user"]
        and body["active"] is True
        and body["orgId"] == str(world.child.id)
    )
    assert AuditEvent.objects.filter(action="user.created", target_id=body["id"]).exists()


def test_create_user_with_roles_and_password(world, admin):
    body = admin.post(
        f"{P}/users",
        new_user(world, roles=["org-admin", "identity-admin"], password="a long passphrase"),
    ).json()
    assert body["roles"] == ["identity-admin", "org-admin"]
    assert User.objects.get(id=body["id"]).check_password("a long passphrase")


def test_duplicate_username_in_another_case_is_409_username_taken(world, admin):
    response = admin.post(f"{P}/users", new_user(world, username="TARGET@ACME.EXAMPLE"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "username_taken"
    assert User.objects.filter(username__iexact="target@acme.example").count() == 1


def test_usernames_are_unique_across_tenants_too(world, other, admin):
    response = admin.post(f"{P}/users", new_user(world, username="target@globex.example"))
    assert response.status_code == 409


def test_short_password_and_bad_email_are_refused_and_nothing_is_written(world, admin):
    count = User.objects.count()
    response = admin.post(f"{P}/users", new_user(world, password="short"))
    assert response.json()["error"]["code"] == "password_too_short"
    response = admin.post(f"{P}/users", new_user(world, email="not-an-email"))
    assert response.json()["error"] == {
        **response.json()["error"],
        "code": "email_invalid",
        "field": "email",
    }
    assert User.objects.count() == count


def test_username_with_spaces_is_refused(world, admin):
    response = admin.post(f"{P}/users", new_user(world, username="two words"))
    assert response.json()["error"]["code"] == "username_invalid"


def test_filter_by_username_is_exact_and_case_insensitive(world, admin):
    accounts.create_user(world.tenant, "target@acme.example.org", org=world.top)
    body = admin.get(f"{P}/users?username=TARGET@acme.EXAMPLE").json()
    assert [u["username"] for u in body["items"]] == ["target@acme.example"]
    assert body["total"] == 1


def test_filter_by_org_query_and_active(world, admin):
    assert [
        u["username"] for u in admin.get(f"{P}/users?orgId={world.child.id}").json()["items"]
    ] == ["target@acme.example"]
    assert [u["username"] for u in admin.get(f"{P}/users?q=tess").json()["items"]] == [
        "target@acme.example"
    ]
    accounts.set_active(world.target, False)
    inactive = admin.get(f"{P}/users?active=false").json()["items"]
    assert [u["username"] for u in inactive] == ["target@acme.example"]
    assert all(u["active"] for u in admin.get(f"{P}/users?active=true").json()["items"])


def test_filter_by_role(world, admin):
    body = admin.get(f"{P}/users?role=org-admin").json()
    assert sorted(u["username"] for u in body["items"]) == [
        "all@acme.example",
        "org-admin@acme.example",
    ]
    assert admin.get(f"{P}/users?role=boss").json()["error"]["code"] == "invalid_choice"


def test_list_is_paginated_and_ordered_by_username(world, admin):
    body = admin.get(f"{P}/users?pageSize=2").json()
    assert (body["page"], body["pageSize"], body["total"]) == (1, 2, 5)
    names = [u["username"] for u in body["items"]]
    assert names == sorted(names)
    rest = admin.get(f"{P}/users?page=3&pageSize=2").json()["items"]
    assert len(rest) == 1


def test_the_total_is_exact_up_to_the_count_limit(world, admin):
    body = admin.get(f"{P}/users?pageSize=2").json()
    assert (body["total"], body["totalIsExact"]) == (5, True)


def test_beyond_the_count_limit_the_total_stops_and_says_it_is_not_exact(world, admin, monkeypatch):
    """Counting a million users cost more than the page: ``total`` stops at 10,000, as documented."""
    from ssoconsole.api.endpoints import users

    monkeypatch.setattr(users, "COUNT_MAX", 3)
    body = admin.get(f"{P}/users?pageSize=2&page=3").json()
    assert (body["total"], body["totalIsExact"]) == (3, False)
    assert len(body["items"]) == 1  # pages beyond the counted ones are served as usual


def test_the_openapi_schema_says_what_total_means_for_users(world, admin):
    schema = admin.get("/api/v1/openapi.json").json()["components"]["schemas"]["UserPage"]
    assert "10,000" in schema["properties"]["total"]["description"]
    assert "totalIsExact" in schema["properties"]


def test_get_user(world, admin):
    body = admin.get(f"{P}/users/{world.target.id}").json()
    assert body["firstName"] == "Tess" and body["roles"] == ["user"]


def test_patch_changes_only_what_was_sent(world, admin):
    body = admin.patch(
        f"{P}/users/{world.target.id}", {"lastName": "Tested", "roles": ["org-admin"]}
    ).json()
    assert (body["firstName"], body["lastName"], body["roles"]) == ("Tess", "Tested", ["org-admin"])
    event = AuditEvent.objects.get(action="user.updated", target_id=str(world.target.id))
    assert event.data["after"] == {"lastName": "Tested", "roles": ["org-admin"]}


def test_patch_null_clears_optional_text(world, admin):
    assert (
        admin.patch(f"{P}/users/{world.target.id}", {"firstName": None}).json()["firstName"] == ""
    )


def test_patch_moves_user_to_another_org(world, admin):
    assert admin.patch(f"{P}/users/{world.target.id}", {"orgId": str(world.top.id)}).json()[
        "orgId"
    ] == str(world.top.id)


def test_patch_username_to_another_users_in_another_case_is_409(world, admin):
    response = admin.patch(f"{P}/users/{world.target.id}", {"username": "USER@acme.example"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "username_taken"


def test_patch_own_username_case_change_is_allowed(world, admin):
    assert (
        admin.patch(f"{P}/users/{world.target.id}", {"username": "Target@Acme.example"}).status_code
        == 200
    )


def test_patch_with_a_bad_password_rolls_back_the_other_changes(world, admin):
    events = AuditEvent.objects.count()
    response = admin.patch(
        f"{P}/users/{world.target.id}", {"firstName": "Changed", "password": "short"}
    )
    assert response.status_code == 400
    assert User.objects.get(id=world.target.id).first_name == "Tess"
    assert AuditEvent.objects.count() == events


def test_patch_password_sets_it(world, admin):
    admin.patch(f"{P}/users/{world.target.id}", {"password": "a brand new passphrase"})
    assert User.objects.get(id=world.target.id).check_password("a brand new passphrase")


def test_deactivate_and_reactivate(world, admin):
    body = admin.post(f"{P}/users/{world.target.id}/deactivate").json()
    assert body["active"] is False and body["deactivatedAt"]
    body = admin.post(f"{P}/users/{world.target.id}/reactivate").json()
    assert body["active"] is True and body["deactivatedAt"] is None
    actions = list(
        AuditEvent.objects.filter(target_id=str(world.target.id)).values_list("action", flat=True)
    )
    assert {"user.deactivated", "user.reactivated"} <= set(actions)


def test_a_deactivated_users_tokens_stop_working(world):
    admin = world.client("org-admin")
    admin.post(f"{P}/users/{world.users['user'].id}/deactivate")
    assert world.client("user").get(f"{P}/me").status_code == 401


def test_you_cannot_deactivate_yourself(world):
    response = world.client("org-admin").post(f"{P}/users/{world.users['org-admin'].id}/deactivate")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "cannot_deactivate_self"


def test_org_admin_cannot_create_an_identity_admin(world):
    """An org-admin may not hand out permissions they lack (privilege escalation)."""
    org_admin = world.client("org-admin")
    count = User.objects.count()
    response = org_admin.post(f"{P}/users", new_user(world, roles=["identity-admin"]))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "role_not_grantable"
    assert User.objects.count() == count


def test_org_admin_cannot_make_themselves_identity_admin(world):
    me = world.users["org-admin"]
    response = world.client("org-admin").patch(
        f"{P}/users/{me.id}", {"roles": ["org-admin", "identity-admin"]}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "role_not_grantable"
    assert sorted(User.objects.get(id=me.id).roles.values_list("role", flat=True)) == ["org-admin"]


def test_org_admin_can_grant_org_admin_and_user(world):
    response = world.client("org-admin").post(f"{P}/users", new_user(world, roles=["org-admin"]))
    assert response.status_code == 201
    assert response.json()["roles"] == ["org-admin"]


def test_a_search_whose_first_page_is_not_full_is_not_counted_again(world, admin):
    """The page's length is its total: a selective search at a million users costs one query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        body = admin.get(f"{P}/users?q=target").json()
    assert (body["total"], body["totalIsExact"], len(body["items"])) == (1, True, 1)
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert not [sql for sql in counts if '"accounts_user"' in sql], counts
