"""Every API operation × every role (identity-admin, org-admin, user, anonymous) → the expected status."""

from __future__ import annotations

import pytest

from .catalog import CALLS, EXPECTED, ROLES, documented_operations
from .conftest import session_client

CASES = [(op, role) for op in sorted(EXPECTED) for role in ROLES]


def test_every_documented_operation_has_a_matrix_entry_and_a_call():
    """A new endpoint fails here until its expected status per role is written down."""
    documented = documented_operations()
    assert documented - set(EXPECTED) == set(), "operations without a role-matrix entry"
    assert set(EXPECTED) - documented == set(), "matrix entries for operations that no longer exist"
    assert set(CALLS) == set(EXPECTED)


@pytest.mark.parametrize(
    ("operation", "role"), CASES, ids=[f"{m} {p} as {r or 'anonymous'}" for (m, p), r in CASES]
)
def test_role_gets_the_expected_status(world, operation, role):
    method, _ = operation
    path, body = CALLS[operation](world, role)
    response = world.client(role).request(method, path, body)
    expected = EXPECTED[operation][role]
    assert response.status_code == expected, response.content
    if expected == 401:
        assert response.json()["error"]["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")
    if expected == 403:
        error = response.json()["error"]
        assert error["code"] == "forbidden"
        assert error["details"]["capability"] in error["message"]


@pytest.mark.parametrize(
    "operation", sorted(EXPECTED), ids=[f"{m} {p}" for m, p in sorted(EXPECTED)]
)
def test_forbidden_callers_change_nothing(world, operation):
    """A refused write leaves no trace: no new rows, no audit event from the refused caller."""
    from ssoconsole.audit.models import AuditEvent

    method, _ = operation
    refused = [role for role in ROLES if role and EXPECTED[operation][role] == 403]
    for role in refused:
        path, body = CALLS[operation](world, role)
        before = AuditEvent.objects.count()
        assert world.client(role).request(method, path, body).status_code == 403
        assert AuditEvent.objects.filter(actor_id=world.users[role].id).count() == 0
        assert AuditEvent.objects.count() == before


ALLOWED = [
    (op, role) for op in sorted(EXPECTED) for role in ROLES if role and EXPECTED[op][role] < 400
]


@pytest.mark.parametrize(
    ("operation", "role"), ALLOWED, ids=[f"{m} {p} as {r}" for (m, p), r in ALLOWED]
)
def test_console_session_gets_the_same_access_as_a_bearer_token(world, operation, role):
    """The session cookie (with its CSRF token on writes) reaches every operation the role may call."""
    method, _ = operation
    path, body = CALLS[operation](world, role)
    client, csrf = session_client(world.users[role])
    response = client.request(method, path, body, headers={"X-CSRFToken": csrf})
    assert response.status_code == EXPECTED[operation][role], response.content
