"""What the Users and Groups services share: validation, versions, pagination and rendering."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from scim2_models import Context, ResponseParameters

from ssoconsole.core.errors import DomainError
from ssoconsole.scim import schema
from ssoconsole.scim.errors import ScimError
from ssoconsole.scim.filters import parse_filter

ACTOR = "scim"  # the audit log's actor label (the source) of every change made through SCIM

# Console field names in accounts' errors -> the SCIM attribute the client sent.
_FIELDS = {
    "username": "userName",
    "firstName": "name.givenName",
    "lastName": "name.familyName",
    "email": "emails",
}


@dataclass(frozen=True)
class Page:
    start_index: int
    count: int


def validate(model, body, context: Context):
    """Validate ``body`` with the scim2-models ``model``; a failure names the attribute and the rule."""
    if not isinstance(body, dict):
        raise ScimError("scim.invalid_syntax", "The body must be a JSON object.")
    try:
        return model.model_validate(body, scim_ctx=context)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()) if not isinstance(p, int)) or "body"
        raise ScimError(
            "scim.invalid_value",
            f"{where}: {first.get('msg', 'invalid value').rstrip('.')}.",
            field=where,
        ) from None


def document_of(resource) -> dict:
    """Return the stored form of a validated resource: what the client set, without id and meta."""
    data = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    for key in ("id", "meta"):
        data.pop(key, None)
    return data


def translate(error: DomainError) -> ScimError:
    """Turn an accounts/tenancy refusal into the SCIM error the client can act on."""
    attribute = _FIELDS.get(error.field or "", error.field or "")
    if error.code == "username_taken":
        return ScimError(
            "scim.uniqueness",
            "userName is already used by another user of this deployment (usernames are unique in "
            "any letter case, across tenants); choose another userName.",
            field="userName",
        )
    prefix = f"{attribute}: " if attribute else ""
    return ScimError("scim.invalid_value", prefix + error.message, field=attribute or None)


def etag(version: int) -> str:
    return f'W/"{version}"'


def check_version(version: int, if_match: str | None) -> None:
    """Refuse a change when ``If-Match`` names other versions than the current one (RFC 7644 3.14)."""
    if if_match is None:
        return
    wanted = [part.strip() for part in if_match.split(",") if part.strip()]
    if "*" in wanted:
        return
    current = etag(version)
    if not any(
        tag == current or tag.removeprefix("W/") == current.removeprefix("W/") for tag in wanted
    ):
        raise ScimError(
            "scim.version_mismatch",
            f"The resource changed since you read it (now at version {current}); read it again and "
            "retry with that ETag in If-Match.",
        )


def page_of(params) -> Page:
    """Read ``startIndex`` and ``count`` (RFC 7644 3.4.2.4): bad values are clamped, not refused."""

    def number(name: str, default: int) -> int:
        raw = params.get(name)
        if raw in (None, ""):
            return default
        try:
            return int(raw)
        except ValueError:
            raise ScimError(
                "scim.invalid_value", f"{name} must be a whole number, not “{str(raw)[:20]}”."
            ) from None

    start = max(number("startIndex", 1), 1)
    count = min(max(number("count", schema.MAX_RESULTS), 0), schema.MAX_RESULTS)
    return Page(start, count)


def filter_of(params):
    text = params.get("filter")
    return None if text in (None, "") else parse_filter(text)


def attribute_lists(params) -> tuple[list[str] | None, list[str] | None]:
    def split(name: str) -> list[str] | None:
        raw = params.get(name)
        if not raw:
            return None
        names = [part.strip() for part in raw.split(",") if part.strip()]
        if len(names) > 50 or len(raw) > 2000:
            raise ScimError("scim.invalid_value", f"{name} names at most 50 attributes.")
        return names

    return split("attributes"), split("excludedAttributes")


def list_response(resources: list[dict], total: int, page: Page) -> dict:
    return {
        "schemas": [schema.LIST_RESPONSE],
        "totalResults": total,
        "startIndex": page.start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def _timestamp(value) -> str:
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else value


def shaped(model, full: dict, attributes, excluded) -> dict:
    """Return ``full`` as served, limited by attributes/excludedAttributes when the client asks.

    Without those parameters the stored document is served as it is: it was
    produced by the resource model when written, so validating it again for
    every row of a list would only cost time (a page of 100 users is a
    hundred pydantic round trips). Selecting attributes goes through the
    model, which knows each attribute's ``returned`` rule.
    """
    if not attributes and not excluded:
        meta = full.get("meta")
        if meta:
            full["meta"] = {k: _timestamp(v) for k, v in meta.items()}
        return full
    resource = model.model_validate(full, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    try:
        parameters = ResponseParameters(attributes=attributes, excluded_attributes=excluded)
        return resource.model_dump(
            scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=parameters
        )
    except (ValueError, KeyError) as exc:
        raise ScimError(
            "scim.invalid_value",
            f"attributes/excludedAttributes name an unknown attribute ({str(exc)[:200]}).",
        ) from None
