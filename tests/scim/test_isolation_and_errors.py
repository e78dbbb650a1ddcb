"""Tokens, tenant isolation, and every bad input answered with a SCIM error (never a 5xx)."""

from __future__ import annotations

import json

import pytest

from ssoconsole.accounts.models import User
from ssoconsole.scim.models import ScimRequestLog
from ssoconsole.scim.tokens import create_token, revoke_token

from .conftest import PATCH, ScimClient, entra_user

pytestmark = pytest.mark.django_db
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def _assert_scim_error(response, status: int, scim_type: str | None = None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/scim+json")
    body = json.loads(response.content)
    assert body["schemas"] == [ERROR] and body["status"] == str(status)
    assert len(body["detail"]) > 20
    if scim_type:
        assert body["scimType"] == scim_type
    return body


def test_a_token_of_one_tenant_reads_and_changes_nothing_in_another(scim, other_scim, other_tenant):
    theirs = other_scim.post("/Users", entra_user("eve@fabrikam.example")).json_body["id"]
    group = other_scim.post("/Groups", {"displayName": "Theirs"}).json_body["id"]
    intruder = ScimClient(other_tenant, None)
    intruder.client = scim.client  # our token, their tenant URL
    for response in (
        intruder.get("/Users"),
        intruder.get(f"/Users/{theirs}"),
        intruder.patch(f"/Users/{theirs}", [{"op": "replace", "path": "active", "value": False}]),
        intruder.delete(f"/Users/{theirs}"),
        intruder.get(f"/Groups/{group}"),
        intruder.delete(f"/Groups/{group}"),
        intruder.get("/ServiceProviderConfig"),
    ):
        _assert_scim_error(response, 401)
    assert User.objects.get(username="eve@fabrikam.example").is_active
    assert other_scim.get(f"/Groups/{group}").status_code == 200


def test_our_ids_of_their_resources_are_not_found_through_our_url(scim, other_scim):
    theirs = other_scim.post("/Users", entra_user("eve@fabrikam.example")).json_body["id"]
    _assert_scim_error(scim.get(f"/Users/{theirs}"), 404)
    _assert_scim_error(scim.delete(f"/Users/{theirs}"), 404)
    assert scim.get("/Users", filter=f'id eq "{theirs}"').json_body["totalResults"] == 0
    group = scim.post("/Groups", {"displayName": "Ours", "members": [{"value": theirs}]})
    _assert_scim_error(group, 400, "invalidValue")


def test_a_revoked_token_is_refused_from_the_next_request(tenant):
    raw, token = create_token(tenant, actor_label="test")
    client = ScimClient(tenant, raw)
    assert client.get("/Users").status_code == 200
    revoke_token(token)
    body = _assert_scim_error(client.get("/Users"), 401)
    assert "revoked" in body["detail"]


def test_missing_and_malformed_authorization_are_401_with_a_bearer_challenge(tenant):
    for header in (None, "Basic Zm9vOmJhcg==", "Bearer scim_nope"):
        client = ScimClient(tenant, None)
        if header:
            client.client.defaults["HTTP_AUTHORIZATION"] = header
        response = client.get("/Users")
        _assert_scim_error(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "expression",
    [
        "userName eq",
        'userName xx "a"',
        "userName eq bob",
        '(userName eq "a"',
        'title eq "x"',
        'emails[type eq "work"',
        'meta.created gt "yesterday"',
        'active eq "yes"',
        " or ".join(['userName eq "a"'] * 30),
        'userName eq "' + "x" * 1200 + '"',
        "(" * 20 + 'userName eq "a"' + ")" * 20,
    ],
)
def test_a_bad_filter_is_an_invalidFilter_error(scim, expression):
    _assert_scim_error(scim.get("/Users", filter=expression), 400, "invalidFilter")


@pytest.mark.parametrize(
    ("path", "scim_type"),
    [
        ("nosuchattribute", "invalidPath"),
        ("name.nosuch", "invalidPath"),
        ('emails[type eq "work"', "invalidPath"),
        ("urn:example:unknown:attr", "invalidPath"),
        ("emails.value", "invalidPath"),
        ('title[value eq "x"]', "invalidPath"),
        ("groups", "mutability"),
        ("meta", "invalidPath"),
    ],
)
def test_a_bad_patch_path_is_a_scim_error(scim, path, scim_type):
    user_id = scim.post("/Users", entra_user("ann@contoso.example")).json_body["id"]
    response = scim.patch(f"/Users/{user_id}", [{"op": "replace", "path": path, "value": "x"}])
    _assert_scim_error(response, 400, scim_type)


@pytest.mark.parametrize(
    "body",
    [
        {"Operations": [{"op": "replace", "path": "title", "value": "x"}]},
        {"schemas": [PATCH], "Operations": []},
        {"schemas": [PATCH], "Operations": [{"op": "move", "path": "title"}]},
        {"schemas": [PATCH], "Operations": [{"op": "remove"}]},
        {"schemas": [PATCH], "Operations": [{"op": "add", "value": "not an object"}]},
        {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": "maybe"}]},
        {"schemas": [PATCH], "Operations": [{"op": "add", "path": "title", "value": "x"}] * 201},
        ["not", "an", "object"],
    ],
)
def test_a_malformed_patch_is_a_scim_error(scim, body):
    user_id = scim.post("/Users", entra_user("ann@contoso.example")).json_body["id"]
    response = scim.call("PATCH", f"/Users/{user_id}", body)
    assert 400 <= response.status_code < 500
    _assert_scim_error(response, response.status_code)


def test_an_oversized_body_is_413(scim):
    body = entra_user("ann@contoso.example", title="x" * (600 * 1024))
    _assert_scim_error(scim.post("/Users", body), 413)


def test_a_deeply_nested_body_is_invalid_syntax_not_a_crash(scim):
    _assert_scim_error(scim.post("/Users", "[" * 100_000 + "]" * 100_000), 400, "invalidSyntax")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_a_wrong_content_type_is_415(scim, content_type):
    response = scim.post("/Users", entra_user("ann@contoso.example"), content_type=content_type)
    _assert_scim_error(response, 415)


def test_application_json_is_accepted_too(scim):
    response = scim.post(
        "/Users", entra_user("ann@contoso.example"), content_type="application/json"
    )
    assert response.status_code == 201


def test_invalid_json_is_invalid_syntax(scim):
    _assert_scim_error(scim.post("/Users", "{not json"), 400, "invalidSyntax")


def test_unknown_urls_and_methods_answer_in_scim_json(scim, tenant):
    _assert_scim_error(scim.get("/Nope"), 404)
    _assert_scim_error(scim.get("/Users/not-a-uuid"), 404)
    _assert_scim_error(scim.call("PUT", "/Users", {}), 405)
    _assert_scim_error(scim.post("/Bulk", {}), 501)
    response = scim.client.get("/scim/v2/not-a-tenant/Users")
    _assert_scim_error(response, 404)


def test_a_wrongly_typed_attribute_is_invalidValue_naming_it(scim):
    response = scim.post("/Users", entra_user("ann@contoso.example", emails=[{"value": "nope"}]))
    body = _assert_scim_error(response, 400, "invalidValue")
    assert body["detail"].startswith("emails")


def test_requests_are_logged_for_the_console_without_the_token(scim, scim_token, tenant):
    scim.get("/Users", filter='userName eq "x@contoso.example"')
    scim.get("/Users", filter="bad filter")
    entries = list(ScimRequestLog.objects.filter(tenant=tenant).order_by("id"))
    assert [(e.method, e.status) for e in entries] == [("GET", 200), ("GET", 400)]
    assert entries[1].scim_type == "invalidFilter" and entries[1].detail
    assert all(scim_token not in (e.path + e.detail) for e in entries)
