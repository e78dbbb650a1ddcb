"""Nothing in one tenant can be read or changed from another.

Every operation is called by a user holding every role in tenant ``world``
with the ids of tenant ``other``: operations that take an id answer 404
(exactly as for an id that does not exist), lists never contain a row of the
other tenant, and the other tenant's data is unchanged afterwards.
"""

from __future__ import annotations

import re
import uuid

import pytest

from ssoconsole.accounts.models import ApiToken, RoleAssignment, User
from ssoconsole.audit.models import AuditEvent
from ssoconsole.tenancy.models import Organization

from .catalog import AGENT_TOKEN_OPERATIONS, CALLS, P, documented_operations

# Any id in the path ({id}, {userId}); {purpose} names no record, so it goes with the others.
WITH_ID = sorted(op for op in CALLS if re.search(r"\{\w*[iI]d\}", op[1]))
# Agent-token operations refuse every user's token; tests/agents/test_isolation.py covers them.
WITHOUT_ID = sorted(op for op in CALLS if op not in WITH_ID and op not in AGENT_TOKEN_OPERATIONS)

# Fields in request bodies or queries that name another record: each gets the other tenant's id.
REFERENCES = [
    ("POST", f"{P}/orgs", lambda w, o: {"name": "Sneaky", "parentId": str(o.child.id)}, None),
    ("PATCH", f"{P}/orgs/{{child}}", lambda w, o: {"parentId": str(o.top.id)}, None),
    (
        "POST",
        f"{P}/users",
        lambda w, o: {"username": "sneaky@x.example", "orgId": str(o.child.id)},
        None,
    ),
    ("PATCH", f"{P}/users/{{target}}", lambda w, o: {"orgId": str(o.child.id)}, None),
    ("GET", f"{P}/users", None, lambda w, o: f"?orgId={o.child.id}"),
    ("GET", f"{P}/orgs", None, lambda w, o: f"?parentId={o.top.id}"),
]


def fingerprint(world) -> dict:
    """Everything of a tenant that the API could change."""
    tenant = world.tenant
    return {
        "orgs": sorted(
            Organization.objects.filter(tenant=tenant).values_list(
                "id", "name", "parent_id", "sso_mode", "sso_provider_id"
            )
        ),
        "users": sorted(
            User.objects.filter(tenant=tenant).values_list(
                "id",
                "username",
                "first_name",
                "last_name",
                "email",
                "org_id",
                "is_active",
                "local_sign_in",
                "password",
            )
        ),
        "roles": sorted(
            RoleAssignment.objects.filter(user__tenant=tenant).values_list("user_id", "role")
        ),
        "tokens": sorted(
            ApiToken.objects.filter(user__tenant=tenant).values_list("id", "revoked_at")
        ),
        "events": AuditEvent.objects.filter(tenant=tenant).count(),
    }


def ids_of(world) -> set[str]:
    """Every id of a tenant's records, as the API would print it."""
    ids = {str(world.tenant.id)}
    ids |= {
        str(i)
        for i in Organization.objects.filter(tenant=world.tenant).values_list("id", flat=True)
    }
    ids |= {str(i) for i in User.objects.filter(tenant=world.tenant).values_list("id", flat=True)}
    ids |= {
        str(i)
        for i in ApiToken.objects.filter(user__tenant=world.tenant).values_list("id", flat=True)
    }
    ids |= {
        str(i) for i in AuditEvent.objects.filter(tenant=world.tenant).values_list("id", flat=True)
    }
    return ids


def test_every_documented_operation_is_covered():
    assert documented_operations() == set(WITH_ID) | set(WITHOUT_ID) | AGENT_TOKEN_OPERATIONS


@pytest.mark.parametrize("operation", WITH_ID, ids=[f"{m} {p}" for m, p in WITH_ID])
def test_ids_of_another_tenant_are_not_found(world, other, operation):
    method, _ = operation
    # The path carries the other tenant's id; the caller holds every role in its own tenant.
    path, body = CALLS[operation](other, "all")
    before = fingerprint(other)
    response = world.client("all").request(method, path, body)
    assert response.status_code == 404, response.content
    assert fingerprint(other) == before


@pytest.mark.parametrize("operation", WITH_ID, ids=[f"{m} {p}" for m, p in WITH_ID])
def test_another_tenants_id_answers_like_an_id_that_does_not_exist(world, other, operation):
    """The 404 body is the same for a foreign id and a random one, so it reveals nothing."""
    method, template = operation
    foreign, body = CALLS[operation](other, "all")
    template_path, _ = CALLS[operation](world, "all")
    own_id = next(part for part in template_path.split("/") if _is_uuid(part))
    random = template_path.replace(own_id, str(uuid.uuid4()))
    client = world.client("all")
    assert (
        client.request(method, foreign, body).json() == client.request(method, random, body).json()
    )


@pytest.mark.parametrize("operation", WITHOUT_ID, ids=[f"{m} {p}" for m, p in WITHOUT_ID])
def test_operations_without_ids_never_show_or_touch_the_other_tenant(world, other, operation):
    method, _ = operation
    path, body = CALLS[operation](world, "all")
    before = fingerprint(other)
    response = world.client("all").request(method, path, body)
    assert response.status_code in (200, 201), response.content
    text = response.content.decode()
    leaked = sorted(i for i in ids_of(other) if i in text)
    assert leaked == []
    assert fingerprint(other) == before


@pytest.mark.parametrize(
    ("method", "template", "body", "query"),
    REFERENCES,
    ids=[f"{m} {t}" for m, t, _, _ in REFERENCES],
)
def test_references_to_another_tenants_records_are_not_found(
    world, other, method, template, body, query
):
    path = template.replace("{child}", str(world.child.id)).replace(
        "{target}", str(world.target.id)
    )
    path += query(world, other) if query else ""
    before_other, before_own = fingerprint(other), fingerprint(world)
    response = world.client("all").request(method, path, body(world, other) if body else None)
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "org_not_found"
    assert fingerprint(other) == before_other
    assert fingerprint(world) == before_own


def test_a_token_of_one_tenant_reads_only_its_own_tenant(world, other):
    me = other.client("all").get(f"{P}/me").json()
    assert me["tenantId"] == str(other.tenant.id)
    sp = other.client("all").get(f"{P}/service-provider").json()
    assert str(other.tenant.id) in sp["entityId"] and str(world.tenant.id) not in sp["entityId"]


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def test_searching_for_another_tenants_username_finds_nothing(world, other):
    username = other.target.username
    body = world.client("all").get(f"{P}/users?username={username}").json()
    assert body["items"] == [] and body["total"] == 0
    assert world.client("all").get(f"{P}/users?q=globex").json()["total"] == 0


def test_another_tenants_audit_events_are_not_listed_even_when_filtered_by_their_actor(
    world, other
):
    other.client("all").post(f"{P}/orgs", {"name": "Secret"})
    body = world.client("all").get(f"{P}/audit-events?actor={other.users['all'].username}").json()
    assert body["items"] == [] and body["total"] == 0
