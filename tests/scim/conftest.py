"""Fixtures of the SCIM tests: a tenant's Secret Token and a client that speaks SCIM JSON."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from ssoconsole.scim.tokens import create_token

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
MEDIA = "application/scim+json"


class ScimClient:
    """Sends SCIM requests to one tenant's base URL with one token; answers are parsed JSON."""

    def __init__(self, tenant, token: str | None) -> None:
        self.tenant = tenant
        self.base = f"/scim/v2/{tenant.id}"
        self.client = Client(headers={"Authorization": f"Bearer {token}"} if token else {})

    def call(self, method: str, path: str, body=None, *, content_type=MEDIA, **headers):
        data = json.dumps(body) if body is not None and not isinstance(body, (str, bytes)) else body
        response = getattr(self.client, method.lower())(
            self.base + path,
            data=data if data is not None else ("" if method != "GET" else None),
            content_type=content_type,
            headers=headers,
        )
        response.json_body = json.loads(response.content) if response.content else None
        return response

    def get(self, path, **params):
        response = self.client.get(self.base + path, params)
        response.json_body = json.loads(response.content) if response.content else None
        return response

    def post(self, path, body, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body, **kw):
        return self.call("PUT", path, body, **kw)

    def patch(self, path, operations, **kw):
        return self.call("PATCH", path, {"schemas": [PATCH], "Operations": operations}, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def usernames(self, expression: str) -> list[str]:
        """The sorted userNames that ``GET /Users?filter=expression`` lists (one page of 100)."""
        body = self.get("/Users", filter=expression, count=100).json_body
        return sorted(r["userName"] for r in body["Resources"])


@pytest.fixture
def scim_token(tenant) -> str:
    return create_token(tenant, name="Entra ID", actor_label="test")[0]


@pytest.fixture
def scim(tenant, scim_token) -> ScimClient:
    return ScimClient(tenant, scim_token)


@pytest.fixture
def other_scim(other_tenant) -> ScimClient:
    return ScimClient(other_tenant, create_token(other_tenant, actor_label="test")[0])


def entra_user(username: str, **extra) -> dict:
    """The body Entra ID's provisioning service POSTs for a new user (attribute set of its default mapping)."""
    body = {
        "schemas": [USER, ENTERPRISE],
        "externalId": username.split("@")[0],
        "userName": username,
        "active": True,
        "displayName": "Ann Example",
        "title": "Engineer",
        "emails": [{"primary": True, "type": "work", "value": username}],
        "name": {"formatted": "Ann Example", "familyName": "Example", "givenName": "Ann"},
        "addresses": [{"type": "work", "locality": "Lyon", "region": "ARA", "country": "FR"}],
        "userType": "Member",
        ENTERPRISE: {"department": "Sales", "employeeNumber": "42", "division": "EMEA"},
    }
    body.update(extra)
    return body
