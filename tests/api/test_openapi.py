"""The OpenAPI document at /api/v1/openapi.json is valid, complete and matches the API's conventions."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate

from .catalog import OTHER_SECURITY
from .conftest import ApiClient

# URL patterns under /api/v1/ that are not operations: the document itself, ninja's root and the JSON 404.
# The document itself, the root, and the catch-all that answers unknown URLs (even with line
# breaks) with the JSON 404.
NOT_OPERATIONS = {"/api/v1/openapi.json", "/api/v1/", "/api/v1/<path>", r"/api/v1/^[\s\S]*\Z"}


@pytest.fixture(scope="module")
def document():
    response = ApiClient().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _api_url_templates() -> set[str]:
    """Every URL pattern under /api/v1/, with converters written as OpenAPI {name} placeholders."""
    found: set[str] = set()

    def walk(patterns, prefix):
        for p in patterns:
            text = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, text)
            elif isinstance(p, URLPattern) and text.startswith("api/v1/"):
                found.add(text)

    walk(get_resolver().url_patterns, "")
    templates = set()
    for text in found:
        text = text.replace("^.*$", "<path>").lstrip("^").rstrip("$")
        templates.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + m.group(1) + "}", text))
    return templates


def test_document_is_served_without_signing_in_and_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_url_pattern_under_api_v1_is_in_the_document(document):
    templates = {t.replace("{path}", "<path>") for t in _api_url_templates()}
    assert templates - NOT_OPERATIONS - set(document["paths"]) == set()
    assert set(document["paths"]) - templates == set()


def test_document_has_both_security_schemes_and_every_operation_requires_one(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["BearerToken"]["type"] == "http" and schemes["BearerToken"]["scheme"] == "bearer"
    assert schemes["SessionCookie"] == {
        **schemes["SessionCookie"],
        "type": "apiKey",
        "in": "cookie",
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            expected = OTHER_SECURITY.get(
                (method.upper(), path), [{"BearerToken": []}, {"SessionCookie": []}]
            )
            assert operation["security"] == expected, (method, path)
    assert schemes["AgentToken"]["type"] == "http" and schemes["AgentToken"]["scheme"] == "bearer"


def test_every_operation_documents_its_errors_with_the_error_schema(document):
    error = document["components"]["schemas"]["ErrorResponse"]
    assert error["properties"]["error"]["$ref"].endswith("/ErrorBody")
    body = document["components"]["schemas"]["ErrorBody"]
    assert set(body["properties"]) == {"code", "message", "field", "details"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            # Operations without credentials (the agent hand-off) cannot answer 401.
            expected = {"400", "401", "403", "500"} if operation["security"] else {"400", "500"}
            assert expected <= set(operation["responses"]), (method, path)
            if "{" in path:
                assert "404" in operation["responses"], (method, path)


def test_every_operation_states_who_may_call_it(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            capability = operation.get("x-required-capability")
            if capability:
                assert f"`{capability}`" in operation["description"]
            elif (method.upper(), path) in OTHER_SECURITY:
                assert (
                    "No credentials" in operation["description"]
                    or "Only an agent token" in operation["description"]
                )
            else:
                assert "Any signed-in user" in operation["description"], (method, path)


def test_every_property_and_parameter_is_camel_case(document):
    camel = re.compile(r"^[a-z][a-zA-Z0-9]*$")
    for name, schema in document["components"]["schemas"].items():
        for prop in schema.get("properties", {}):
            assert camel.match(prop), f"{name}.{prop}"
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation["parameters"]:
                assert camel.match(parameter["name"]), parameter["name"]


def test_request_bodies_refuse_unknown_fields_in_the_document_too(document):
    for name in (
        "OrgCreate",
        "OrgUpdate",
        "OrgSsoUpdate",
        "UserCreate",
        "UserUpdate",
        "ApiTokenCreate",
    ):
        assert document["components"]["schemas"][name]["additionalProperties"] is False, name


def test_server_url_is_the_configured_base_url_not_the_host_header(settings):
    settings.SSOCONSOLE_BASE_URL = "https://console.example.com"
    response = ApiClient().get("/api/v1/openapi.json", headers={"Host": "evil.example"})
    assert response.json()["servers"] == [{"url": "https://console.example.com"}]


def test_string_limits_are_documented(document):
    schemas = document["components"]["schemas"]
    assert schemas["OrgCreate"]["properties"]["name"]["maxLength"] == 200
    assert schemas["UserCreate"]["properties"]["username"]["maxLength"] == 254
