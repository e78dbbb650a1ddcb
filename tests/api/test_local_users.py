"""``GET /api/v1/local-users`` and ``PUT /api/v1/local-users/{userId}``."""

from __future__ import annotations

import uuid

import pytest

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import User
from ssoconsole.audit.models import AuditEvent

from .catalog import P

pytestmark = pytest.mark.django_db

LU = f"{P}/local-users"


def local(user) -> bool:
    return User.objects.get(id=user.id).local_sign_in


def test_the_list_starts_empty(world):
    body = world.client("identity-admin").get(LU).json()
    assert body["items"] == [] and body["total"] == 0 and body["page"] == 1


def test_enabling_returns_the_user_with_hasPassword_and_a_warning(world):
    response = world.client("identity-admin").put(f"{LU}/{world.target.id}", {"enabled": True})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == str(world.target.id) and body["localSignIn"] is True
    assert (
        body["username"] == "target@acme.example"
        and body["firstName"] == "Tess"
        and body["lastName"] == "Target"
    )
    assert body["orgId"] == str(world.child.id) and body["orgName"] == "Engineering"
    assert body["hasPassword"] is False and "has no password yet" in body["warning"]
    assert body["lastSignInAt"] is None and body["active"] is True
    assert local(world.target)
    event = AuditEvent.objects.get(action="user.local_sign_in_changed")
    assert event.actor_id == world.users["identity-admin"].id
    assert event.data == {"before": {"localSignIn": False}, "after": {"localSignIn": True}}


def test_the_list_shows_local_users_in_username_order(world):
    accounts.set_password(world.users["user"], "a long enough password")
    for user in (world.users["user"], world.target):
        accounts.set_local_sign_in(user, True)
    body = world.client("org-admin").get(LU).json()
    assert body["total"] == 2
    assert [i["username"] for i in body["items"]] == ["target@acme.example", "user@acme.example"]
    with_password = body["items"][1]
    assert with_password["hasPassword"] is True and with_password["warning"] is None


def test_disabling_removes_the_user_from_the_list(world):
    accounts.set_local_sign_in(world.target, True)
    response = world.client("org-admin").put(f"{LU}/{world.target.id}", {"enabled": False})
    assert response.status_code == 200 and response.json()["localSignIn"] is False
    assert response.json()["warning"] is None
    assert world.client("org-admin").get(LU).json()["total"] == 0


def test_an_identity_admin_cannot_change_an_org_admin(world):
    response = world.client("identity-admin").put(
        f"{LU}/{world.users['org-admin'].id}", {"enabled": True}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "user_not_manageable"
    assert not local(world.users["org-admin"])


def test_a_plain_user_is_refused(world):
    response = world.client("user").put(f"{LU}/{world.users['user'].id}", {"enabled": True})
    assert response.status_code == 403 and not local(world.users["user"])


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"enabled": "true"},
        {"enabled": 1},
        {"enabled": None},
        {"enabled": True, "extra": 1},
        {"local_sign_in": True},
    ],
)
def test_the_body_is_strict(world, body):
    response = world.client("identity-admin").put(f"{LU}/{world.target.id}", body)
    assert response.status_code == 400, response.content
    assert "error" in response.json()
    assert not local(world.target)


def test_unknown_and_foreign_ids_are_not_found(world, other):
    client = world.client("all")
    for user_id in (uuid.uuid4(), other.target.id):
        response = client.put(f"{LU}/{user_id}", {"enabled": True})
        assert response.status_code == 404 and response.json()["error"]["code"] == "user_not_found"
    assert not local(other.target)
    assert client.put(f"{LU}/not-a-uuid", {"enabled": True}).status_code == 404


def test_the_list_never_shows_another_tenants_local_users(world, other):
    accounts.set_local_sign_in(other.target, True)
    assert world.client("all").get(LU).json()["total"] == 0


def test_unknown_query_parameters_are_refused(world):
    response = world.client("identity-admin").get(f"{LU}?enabled=true")
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_parameter"


def test_the_openapi_document_states_the_capability(world):
    doc = world.client("all").get(f"{P}/openapi.json").json()
    put = doc["paths"][f"{P}/local-users/{{userId}}"]["put"]
    assert put["x-required-capability"] == "local_users.manage"
    assert doc["paths"][f"{P}/local-users"]["get"]["x-required-capability"] == "local_users.manage"
