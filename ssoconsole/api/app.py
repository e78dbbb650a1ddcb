"""The REST API v1 object: routers, strict parsing, error handlers, and the OpenAPI document.

django-ninja generates the OpenAPI 3.1 document from the same pydantic
models that validate requests and shape responses; this module adds what it
cannot infer: the server URL (from the configured base URL), the error
schema and the error responses every operation can give.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ssoconsole.api import validation
from ssoconsole.api.endpoints import (
    account,
    agent_protocol,
    agents,
    audit,
    local_users,
    orgs,
    provider_settings,
    providers,
    provisioning,
    sp_keys,
    users,
)
from ssoconsole.api.errors import (
    HttpRefused,
    MalformedJson,
    MethodNotAllowed,
    NotAuthenticated,
    PayloadTooLarge,
    error_response,
    internal_error,
)
from ssoconsole.api.parsing import StrictJsonParser
from ssoconsole.api.schemas.common import ErrorResponse
from ssoconsole.core.errors import DomainError, NotFound
from ssoconsole.ops import faults

ERROR_REF = "#/components/schemas/ErrorResponse"
_ERROR_DESCRIPTIONS = {
    "400": "The request is malformed or a field is invalid (`malformed_json`, `unknown_field`, `too_long`, ...).",
    "401": "Not signed in, or the bearer token is invalid (`not_authenticated`, `invalid_token`).",
    "403": "The caller's roles lack the permission (`forbidden`), or the CSRF check failed (`csrf_failed`).",
    "404": "Nothing with this id exists in the caller's tenant.",
    "409": "The change conflicts with existing data (e.g. `username_taken`, `org_name_taken`, `sso.provider_in_use`).",
    "413": "The request body is larger than the server accepts (`payload_too_large`).",
    "415": "The request body is not `application/json` (`unsupported_media_type`).",
    "500": "A server bug; nothing was changed (`internal_error`).",
    "503": "The database is briefly unreachable; nothing was changed. Retry after `Retry-After` seconds (`database_unavailable`).",
}


def not_authenticated() -> NotAuthenticated:
    return NotAuthenticated(
        "Sign in first: send “Authorization: Bearer TOKEN” with an API token, or use the console's session."
    )


def method_not_allowed(allowed) -> MethodNotAllowed:
    allowed = sorted(allowed)
    return MethodNotAllowed(
        f"This URL does not accept this method; use {', '.join(allowed)}.",
        details={"allowed": allowed},
    )


class SsoconsoleAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        head, *rest = operation.view_func.__name__.split("_")
        return head + "".join(part.title() for part in rest)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Return the generated document with the server, the error schema and the error responses."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["servers"] = [{"url": settings.SSOCONSOLE_BASE_URL}]
        components = schema.setdefault("components", {})
        defs = ErrorResponse.model_json_schema(
            ref_template="#/components/schemas/{model}", mode="serialization"
        )
        components.setdefault("schemas", {}).update(defs.pop("$defs", {}))
        components["schemas"]["ErrorResponse"] = defs
        components["responses"] = {
            f"Error{status}": {
                "description": text,
                "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
            }
            for status, text in _ERROR_DESCRIPTIONS.items()
        }
        for path_item in schema["paths"].values():
            for method, operation in path_item.items():
                for status in _error_statuses(method, operation):
                    operation["responses"].setdefault(
                        status, {"$ref": f"#/components/responses/Error{status}"}
                    )
        return schema


def _error_statuses(method: str, operation: dict) -> list[str]:
    statuses = ["400", "401", "403"] if operation.get("security") else ["400"]
    if any(p["in"] == "path" for p in operation.get("parameters", [])):
        statuses.append("404")
    if method in ("post", "put", "patch"):
        statuses.append("409")
    if "requestBody" in operation:
        statuses += ["413", "415"]
    return statuses + ["500", "503"]


def _domain_error(request, exc: DomainError):
    return error_response(exc)


def _validation_error(request, exc: ValidationError):
    return error_response(validation.translate(exc.errors))


def _http_error(request, exc: HttpError):
    """Unwrap what ninja wrapped: the body parser's own errors, or an unreadable body."""
    cause = exc.__cause__
    if isinstance(cause, DomainError):
        return error_response(cause)
    if isinstance(cause, RequestDataTooBig):
        return _too_big(request, cause)
    if isinstance(exc, AuthenticationError):
        return error_response(not_authenticated())
    if exc.status_code == 400:
        return error_response(
            MalformedJson("The request body could not be read as JSON; send one JSON object.")
        )
    return error_response(HttpRefused(str(exc) or "The request was refused.", exc.status_code))


def _too_big(request, exc):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_response(
        PayloadTooLarge(
            f"The request body is larger than {limit} bytes; send less data per request."
        )
    )


def _not_found(request, exc):
    return error_response(NotFound("Nothing with this id exists in your tenant."))


def _database_unavailable(request, exc):
    """The database is down or restarting: 503 with Retry-After, never the 500 of a bug."""
    return faults.server_error_for(request, exc)


def _unexpected(request, exc):
    return internal_error(exc)


def build_api() -> SsoconsoleAPI:
    """Create the API object with its routers and handlers (called once, by ``ssoconsole.api.urls``)."""
    api = SsoconsoleAPI(
        title="ssoconsole REST API",
        version="1",
        description=(
            "Manage a tenant's organizations, users and single sign-on. JSON with camelCase keys; "
            'errors are `{"error": {"code", "message", "field", "details"}}` with stable codes; '
            "lists take `page` and `pageSize` (at most 200) and return `{items, page, pageSize, total}`."
        ),
        urls_namespace="api-v1",
        docs_url=None,  # the Swagger page loads scripts from a CDN; the JSON document is enough
        parser=StrictJsonParser(),
    )
    api.add_exception_handler(DomainError, _domain_error)
    api.add_exception_handler(ValidationError, _validation_error)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(RequestDataTooBig, _too_big)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(DatabaseError, _database_unavailable)
    api.add_exception_handler(Exception, _unexpected)
    for module in (
        account,
        orgs,
        users,
        audit,
        providers,
        provider_settings,
        local_users,
        provisioning,
        sp_keys,
        agent_protocol,
        agents,
    ):
        api.add_router("", module.router)
    return api
