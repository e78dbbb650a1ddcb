"""Bad input of every kind gets a clear 4xx with a stable code, in the one JSON error shape, and writes nothing."""

from __future__ import annotations

import pytest

from ssoconsole.accounts.models import User
from ssoconsole.audit.models import AuditEvent
from ssoconsole.tenancy.models import Organization

from .catalog import P


@pytest.fixture
def unchanged(world):
    """Assert after the test that no org, user or audit event was written."""

    def counts():
        return (
            Organization.objects.count(),
            User.objects.count(),
            AuditEvent.objects.count(),
        )  # noqa: E731

    before = counts()
    yield
    assert counts() == before


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"].endswith(".")
    return body["error"]


@pytest.mark.parametrize(
    "raw",
    ['{"name": ', "not json", '{"name": "x",}', "", "\ufeff{}"],
    ids=["truncated", "text", "trailing-comma", "empty-string-body-with-type", "bom"],
)
def test_malformed_json_is_refused_with_malformed_json(admin, unchanged, raw):
    response = admin.post(f"{P}/orgs", raw=raw or " ")
    error_of(response, 400, "malformed_json")


def test_empty_body_is_refused_as_missing(admin, unchanged):
    error = error_of(admin.post(f"{P}/orgs", raw=""), 400, "body_required")
    assert "JSON object" in error["message"]


@pytest.mark.parametrize("raw", ["[]", '"text"', "42", "null", "true"])
def test_a_body_that_is_not_an_object_is_refused(admin, unchanged, raw):
    error_of(admin.post(f"{P}/orgs", raw=raw), 400, "body_not_object")


def test_duplicate_keys_are_refused_rather_than_one_silently_winning(admin, unchanged):
    error = error_of(
        admin.post(f"{P}/orgs", raw='{"name": "A", "name": "B"}'), 400, "malformed_json"
    )
    assert error["details"] == {"key": "name"}


def test_nan_and_infinity_are_not_json(admin, unchanged):
    error_of(admin.post(f"{P}/api-tokens", raw='{"name": NaN}'), 400, "malformed_json")
    error_of(admin.post(f"{P}/api-tokens", raw='{"name": Infinity}'), 400, "malformed_json")


def test_deeply_nested_json_is_refused_without_a_server_error(admin, unchanged):
    raw = '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = admin.post(f"{P}/orgs", raw=raw)
    assert response.status_code == 400


def test_invalid_utf8_is_refused(admin, unchanged):
    error_of(admin.post(f"{P}/orgs", raw=b'{"name": "\xff\xfe"}'), 400, "malformed_json")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_bodies_that_are_not_json_get_415(admin, unchanged, content_type):
    error = error_of(
        admin.post(f"{P}/orgs", raw='{"name": "X"}', content_type=content_type),
        415,
        "unsupported_media_type",
    )
    assert "application/json" in error["message"]


def test_json_with_a_charset_parameter_is_accepted(admin):
    response = admin.post(
        f"{P}/orgs", raw='{"name": "Charset"}', content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (f"{P}/orgs", {"name": "X", "colour": "red"}, "colour"),
        (f"{P}/orgs", {"name": "X", "parent_id": None}, "parent_id"),
        (
            f"{P}/users",
            {
                "username": "u@x.example",
                "orgId": "00000000-0000-0000-0000-000000000000",
                "isAdmin": True,
            },
            "isAdmin",
        ),
        (f"{P}/api-tokens", {"name": "t", "expires": 3}, "expires"),
    ],
)
def test_unknown_fields_are_refused_and_named(admin, unchanged, path, body, field):
    error = error_of(admin.post(path, body), 400, "unknown_field")
    assert error["field"] == field
    assert field in error["message"]


def test_unknown_query_parameters_are_refused_and_named(admin):
    error = error_of(admin.get(f"{P}/users?usrname=x"), 400, "unknown_parameter")
    assert error["field"] == "usrname"
    assert "username" in error["details"]["allowed"]
    error_of(admin.get(f"{P}/me?debug=1"), 400, "unknown_parameter")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (f"{P}/orgs", {"name": 5}, "name"),
        (f"{P}/orgs", {"name": ["A"]}, "name"),
        (f"{P}/orgs", {"name": "X", "parentId": 7}, "parentId"),
        (f"{P}/orgs", {"name": "X", "parentId": "not-a-uuid"}, "parentId"),
        (
            f"{P}/users",
            {"username": "u@x.example", "orgId": "{top}", "roles": "org-admin"},
            "roles",
        ),
        (f"{P}/users", {"username": True, "orgId": "{top}"}, "username"),
        (f"{P}/users", {"username": "u@x.example", "orgId": "{top}", "firstName": 1}, "firstName"),
    ],
)
def test_wrong_types_are_refused_with_invalid_type(admin, world, unchanged, path, body, field):
    body = {k: (str(world.top.id) if v == "{top}" else v) for k, v in body.items()}
    error = error_of(admin.post(path, body), 400, "invalid_type")
    assert error["field"] == field


def test_wrong_type_in_patch_is_refused(admin, world, unchanged):
    error = error_of(
        admin.patch(f"{P}/users/{world.target.id}", {"localSignIn": "yes"}), 400, "invalid_type"
    )
    assert error["field"] == "localSignIn"


def test_null_for_a_required_patch_field_is_refused(admin, world, unchanged):
    error_of(admin.patch(f"{P}/users/{world.target.id}", {"username": None}), 400, "invalid_type")
    error_of(admin.patch(f"{P}/orgs/{world.child.id}", {"parentId": None}), 400, "invalid_type")


@pytest.mark.parametrize(
    ("path", "body", "field", "limit"),
    [
        (f"{P}/orgs", {"name": "x" * 201}, "name", 200),
        (f"{P}/users", {"username": "u" * 255, "orgId": "{top}"}, "username", 254),
        (
            f"{P}/users",
            {"username": "u@x.example", "orgId": "{top}", "lastName": "l" * 151},
            "lastName",
            150,
        ),
        (f"{P}/api-tokens", {"name": "n" * 101}, "name", 100),
    ],
)
def test_over_long_strings_are_refused_with_the_limit(
    admin, world, unchanged, path, body, field, limit
):
    body = {k: (str(world.top.id) if v == "{top}" else v) for k, v in body.items()}
    error = error_of(admin.post(path, body), 400, "too_long")
    assert error["field"] == field
    assert str(limit) in error["message"]


def test_missing_required_field_is_named(admin, unchanged):
    error = error_of(admin.post(f"{P}/users", {"username": "u@x.example"}), 400, "field_required")
    assert error["field"] == "orgId"


def test_several_problems_are_all_listed(admin, unchanged):
    error = error_of(
        admin.post(f"{P}/users", {"username": 1, "orgId": 2, "extra": 3}), 400, "invalid_type"
    )
    codes = {(e["field"], e["code"]) for e in error["details"]["errors"]}
    assert {
        ("username", "invalid_type"),
        ("orgId", "invalid_type"),
        ("extra", "unknown_field"),
    } <= codes


def test_invalid_choice_names_the_allowed_values(admin, world, unchanged):
    error = error_of(
        admin.put(f"{P}/orgs/{world.child.id}/sso", {"mode": "sometimes"}), 400, "invalid_choice"
    )
    assert "inherit" in error["message"] and error["field"] == "mode"


@pytest.mark.parametrize(
    "query", ["page=0", "pageSize=201", "pageSize=0", "page=x", "active=maybe"]
)
def test_bad_pagination_and_filters_are_refused(admin, query):
    response = admin.get(f"{P}/users?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("out_of_range", "invalid_type")


def test_unknown_url_under_the_api_is_a_json_404(admin):
    error = error_of(admin.get(f"{P}/nothing-here"), 404, "not_found")
    assert "openapi.json" in error["message"]


@pytest.mark.parametrize("segment", ["%0A", "%C3%9C%0A%C2%A0", "a%0Db", "%00"])
def test_an_id_with_line_breaks_or_control_characters_is_still_a_json_404(admin, segment):
    """Found by schemathesis: a newline in the path escaped the catch-all and got Django's HTML 404."""
    response = admin.get(f"{P}/auth-providers/{segment}/attribute-mapping")
    assert response["Content-Type"].startswith("application/json")
    error_of(response, 404, "not_found")


def test_malformed_id_in_the_url_is_a_404_like_any_unknown_id(admin):
    error_of(admin.get(f"{P}/orgs/12345"), 404, "not_found")
    error_of(admin.get(f"{P}/users/00000000-0000-0000-0000-000000000000"), 404, "user_not_found")


def test_wrong_method_is_a_json_405_that_lists_the_allowed_ones(admin, world):
    error = error_of(admin.delete(f"{P}/orgs/{world.child.id}"), 405, "method_not_allowed")
    assert error["details"]["allowed"] == ["GET", "PATCH"]
    error_of(admin.put(f"{P}/me"), 405, "method_not_allowed")


def test_a_body_over_the_size_limit_gets_413(admin, unchanged, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    error_of(admin.post(f"{P}/orgs", {"name": "x" * 2000}), 413, "payload_too_large")


def test_a_genuine_bug_is_a_logged_json_500_that_reveals_nothing(admin, monkeypatch, caplog):
    from ssoconsole.api.endpoints import account

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(account, "sp_entity_id", broken)
    with caplog.at_level("ERROR", logger="ssoconsole.api"):
        response = admin.get(f"{P}/service-provider")
    error = error_of(response, 500, "internal_error")
    assert "secret" not in response.content.decode()
    assert "nothing was changed" in error["message"]
    assert any("secret internals" in (r.exc_text or str(r.exc_info)) for r in caplog.records)
