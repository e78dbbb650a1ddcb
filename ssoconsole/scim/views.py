"""The SCIM HTTP endpoint of a tenant: ``/scim/v2/<tenantId>/...``.

One dispatcher does what every request needs, in this order: the bearer
token (valid for this tenant only), the body's size and media type
(``application/scim+json``, or ``application/json`` as many clients send),
the JSON itself; then the resource operation; then the answer, always SCIM
JSON, even for an unknown URL or a server bug (never an HTML page), and a
line in the tenant's request log for the console's Provisioning page.
"""

from __future__ import annotations

import json
import logging
import uuid

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from scim2_models import Context

from ssoconsole.scim import groups, requestlog, schema, users
from ssoconsole.scim.common import attribute_lists, list_response
from ssoconsole.scim.errors import ScimError
from ssoconsole.scim.tokens import token_for

log = logging.getLogger("ssoconsole.scim")

MEDIA_TYPE = "application/scim+json"
ACCEPTED_MEDIA_TYPES = ("application/scim+json", "application/json")
BODY_METHODS = ("POST", "PUT", "PATCH")
DISCOVERY = ("ServiceProviderConfig", "ResourceTypes", "Schemas")


def _json(body, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, default=_default), status=status, content_type=MEDIA_TYPE
    )
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def _default(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def error_response(error: ScimError) -> HttpResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if error.status == 401 else {}
    return _json(error.as_dict(), status=error.status, headers=headers)


def _authenticate(request, tenant_id):
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise ScimError(
            "scim.unauthorized",
            "Send the tenant's Secret Token as “Authorization: Bearer TOKEN” (create one under "
            "Identity Management > Provisioning).",
        )
    token = token_for(raw.strip())
    if token is None:
        raise ScimError(
            "scim.unauthorized",
            "This Secret Token is unknown or revoked; create a new one under Identity Management > "
            "Provisioning and paste it into the identity provider.",
        )
    if token.tenant_id != tenant_id:
        raise ScimError(
            "scim.forbidden_tenant",
            "This Secret Token belongs to another tenant; use the Tenant URL shown next to it.",
        )
    return token


def _body(request):
    if request.method not in BODY_METHODS:
        return None
    length = request.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > schema.MAX_BODY_BYTES:
        raise _too_large()
    media = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media not in ACCEPTED_MEDIA_TYPES:
        raise ScimError(
            "scim.unsupported_media_type",
            f"Send the body as {MEDIA_TYPE} (application/json is accepted too), not "
            f"“{media[:60] or 'nothing'}”.",
        )
    try:
        raw = request.body
    except RequestDataTooBig:
        raise _too_large() from None
    if len(raw) > schema.MAX_BODY_BYTES:
        raise _too_large()
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise ScimError(
            "scim.invalid_syntax", "The body is not valid JSON; send one JSON object."
        ) from None


def _too_large() -> ScimError:
    return ScimError(
        "scim.payload_too_large",
        f"The body is larger than {schema.MAX_BODY_BYTES // 1024} KiB; send smaller requests "
        "(for example fewer group members per PATCH).",
    )


def _method_not_allowed(allowed: str) -> ScimError:
    return ScimError(
        "scim.method_not_allowed", f"This URL does not accept this method; use {allowed}."
    )


def _resource_response(body: dict, status: int = 200) -> HttpResponse:
    meta = body.get("meta") or {}
    headers = {}
    if meta.get("version"):
        headers["ETag"] = meta["version"]
    if status == 201 and meta.get("location"):
        headers["Location"] = meta["location"]
    return _json(body, status=status, headers=headers)


def _collection(request, tenant, service, body, kind: str):
    if request.method == "GET":
        attributes, excluded = attribute_lists(request.GET)
        total, rows, page = service.search(tenant, request.GET)
        return _json(
            list_response([service.render(r, attributes, excluded) for r in rows], total, page)
        ), ""
    if request.method == "POST":
        created = service.create(tenant, body)
        return _resource_response(service.render(created), 201), str(created.id)
    raise _method_not_allowed("GET or POST")


def _single(request, tenant, service, body, resource_id: str):
    if_match = request.headers.get("If-Match")
    if request.method == "GET":
        attributes, excluded = attribute_lists(request.GET)
        found = service.get(tenant, resource_id)
        return _resource_response(service.render(found, attributes, excluded))
    if request.method == "PUT":
        return _resource_response(
            service.render(service.replace(tenant, resource_id, body, if_match=if_match))
        )
    if request.method == "PATCH":
        return _resource_response(
            service.render(service.patch(tenant, resource_id, body, if_match=if_match))
        )
    if request.method == "DELETE":
        service.delete(tenant, resource_id, if_match=if_match)
        return HttpResponse(status=204)
    raise _method_not_allowed("GET, PUT, PATCH or DELETE")


def _discovery(request, tenant_id, parts):
    if request.method != "GET":
        raise _method_not_allowed("GET")
    head = parts[0]
    if head == "ServiceProviderConfig" and len(parts) == 1:
        return _json(
            schema.service_provider_config(tenant_id).model_dump(
                scim_ctx=Context.RESOURCE_QUERY_RESPONSE
            )
        )
    base = schema.base_url(tenant_id)
    if head == "ResourceTypes":
        items = [
            t.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
            for t in schema.resource_types(tenant_id)
        ]
        return _listing(items, parts, "resource type")
    if head == "Schemas":
        items = []
        for s in schema.schemas():
            item = s.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
            item["meta"] = {"resourceType": "Schema", "location": f"{base}/Schemas/{s.id}"}
            items.append(item)
        return _listing(items, parts, "schema")
    return None


def _listing(items: list[dict], parts, what: str):
    if len(parts) == 1:
        return _json(
            {
                "schemas": [schema.LIST_RESPONSE],
                "totalResults": len(items),
                "startIndex": 1,
                "itemsPerPage": len(items),
                "Resources": items,
            }
        )
    wanted = parts[1]
    for item in items:
        if str(item.get("id")) == wanted:
            return _json(item)
    raise ScimError("scim.not_found", f"There is no {what} “{wanted[:100]}”.")


def _dispatch(request, tenant, tenant_id, parts, body):
    """Return ``(response, resource id)`` for the path ``parts`` after the tenant's base URL."""
    if not parts:
        raise ScimError(
            "scim.not_found",
            "This is the tenant's SCIM base URL; the resources are under /Users and /Groups.",
        )
    found = (
        _discovery(request, tenant_id, parts)
        if parts[0]
        in (
            "ServiceProviderConfig",
            "ResourceTypes",
            "Schemas",
        )
        else None
    )
    if found is not None:
        return found, ""
    services = {"Users": users, "Groups": groups}
    service = services.get(parts[0])
    if service is not None and len(parts) == 1:
        return _collection(request, tenant, service, body, parts[0])
    if service is not None and len(parts) == 2:
        return _single(request, tenant, service, body, parts[1]), parts[1]
    if parts[0] in ("Bulk", "Me") or parts[-1] == ".search":
        raise ScimError(
            "scim.not_implemented",
            f"/{parts[0]} is not supported by this server (see ServiceProviderConfig).",
        )
    raise ScimError(
        "scim.not_found",
        f"There is no SCIM endpoint at /{'/'.join(parts)[:100]}; use /Users, /Groups, /Schemas, "
        "/ResourceTypes or /ServiceProviderConfig.",
    )


@csrf_exempt
def endpoint(request, tenant_id: str, rest: str = ""):
    """Serve one SCIM request for the tenant ``tenant_id``."""
    try:
        key = uuid.UUID(tenant_id)
    except ValueError:
        return error_response(
            ScimError("scim.not_found", "The Tenant URL is wrong: copy it from the console again.")
        )
    parts = [p for p in rest.split("/") if p]
    token = None
    resource_id = ""
    try:
        token = _authenticate(request, key)
        if parts and parts[0] in DISCOVERY and request.method != "GET":
            raise _method_not_allowed("GET")
        body = _body(request)
        response, resource_id = _dispatch(request, token.tenant, key, parts, body)
    except ScimError as error:
        response = error_response(error)
        requestlog.remember(
            token, request, response.status_code, error, resource_id or _id_of(parts)
        )
        return response
    except Exception:  # a bug: answer in SCIM's shape, keep the traceback in the server log only
        log.exception("SCIM request failed tenant=%s method=%s", key, request.method)
        error = ScimError(
            "scim.internal_error",
            "The server failed on this request and changed nothing; retry, and report it if it "
            "happens again.",
        )
        requestlog.remember(token, request, 500, error, _id_of(parts))
        return error_response(error)
    requestlog.remember(token, request, response.status_code, None, resource_id or _id_of(parts))
    return response


def _id_of(parts) -> str:
    return parts[1][:64] if len(parts) == 2 else ""
