"""No input makes the API answer 5xx: every body field and query parameter of the document, fed hostile values."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from .catalog import CALLS, P
from .conftest import ApiClient

HOSTILE_VALUES = [
    None,
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\ud800",
    10**30,
    -1,
    1.5,
    True,
    [],
    {},
    ["x"] * 1000,
    {"$ne": 1},
    "x" * 100_000,
    "\U0001f4a5" * 300,
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "0001-01-01T00:00:00+14:00",
    "00000000-0000-0000-0000-000000000000",
    "inherit",
]
HOSTILE_QUERY = [
    "",
    "%00",
    "-1",
    "99999999999999999999",
    "1e9",
    "0001-01-01T00:00:00%2B14:00",
    "9999-12-31T23:59:59-14:00",
    "x" * 5000,
    "true",
    "[]",
    "%F0%9F%92%A5",
    "%ED%A0%80",
    "00000000-0000-0000-0000-000000000000",
    "org.%25",
]


@pytest.fixture(scope="module")
def document():
    return ApiClient().get("/api/v1/openapi.json").json()


def _body_fields(document, method: str, path: str) -> list[str]:
    body = document["paths"][path][method.lower()].get("requestBody")
    if not body:
        return []
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    return list(document["components"]["schemas"][ref]["properties"])


def _query_names(document, method: str, path: str) -> list[str]:
    return [
        p["name"]
        for p in document["paths"][path][method.lower()]["parameters"]
        if p["in"] == "query"
    ]


OPERATIONS = sorted(CALLS)


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_hostile_body_values_never_cause_a_server_error(world, document, operation):
    method, template = operation
    fields = _body_fields(document, method, template)
    client = world.client("all")
    failures = []
    for field in fields:
        for value in HOSTILE_VALUES:
            path, base = CALLS[operation](world, "all")
            body = {**(base or {}), field: value}
            response = client.request(method, path, raw=json.dumps(body))
            if response.status_code >= 500:
                failures.append((field, repr(value)[:40], response.status_code))
    assert failures == []


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_hostile_query_values_never_cause_a_server_error(world, document, operation):
    method, template = operation
    client = world.client("all")
    failures = []
    for name in _query_names(document, method, template) + ["unknown"]:
        for value in HOSTILE_QUERY:
            path, body = CALLS[operation](world, "all")
            response = client.request(method, f"{path}?{quote(name)}={value}", body)
            if response.status_code >= 500:
                failures.append((name, value[:40], response.status_code))
    assert failures == []


def test_nul_characters_are_refused_with_a_clear_code(admin):
    response = admin.post(f"{P}/orgs", {"name": "a\u0000b"})
    assert response.status_code == 400
    assert response.json()["error"] == {
        **response.json()["error"],
        "code": "invalid_character",
        "field": "name",
    }
    assert admin.get(f"{P}/users?q=%00").json()["error"]["code"] == "invalid_character"


def test_unpaired_surrogates_are_refused(admin):
    response = admin.post(f"{P}/orgs", raw='{"name": "\\ud800"}')
    assert response.json()["error"]["code"] == "invalid_character"


def test_audit_dates_outside_utc_range_are_refused(admin):
    response = admin.get(f"{P}/audit-events?since=0001-01-01T00:00:00%2B14:00")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "out_of_range"
