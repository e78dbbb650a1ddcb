"""PATCH (RFC 7644 section 3.5.2) applied to one resource's JSON document.

The document is the resource as the client last wrote it (core attributes
at the top, each extension under its URN). Operations are applied here,
attribute names matched in any case and written back under their schema
names; the result is then validated by the resource model, which turns
Entra ID's ``"False"`` into ``false`` and refuses values of the wrong type.

Entra ID's habits handled here: operation names in any case (``Replace``),
paths like ``emails[type eq "work"].value`` on a user with no work address
yet (the element is created from the filter's ``eq`` conditions), a value
object without a path whose keys are themselves paths
(``{"name.givenName": "Ann"}``), and ``manager`` sent as a bare id.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from scim2_models import Attribute, Mutability

from ssoconsole.scim import schema
from ssoconsole.scim.errors import ScimError
from ssoconsole.scim.filters import And, Compare, matches, parse_attr_path, parse_value_filter

OPS = ("add", "replace", "remove")

# ``externalId`` is common to every resource (RFC 7643 section 3.1), so no schema lists it.
EXTERNAL_ID = Attribute(
    name="externalId",
    type=Attribute.Type.string,
    multi_valued=False,
    mutability=Mutability.read_write,
    case_exact=True,
)
_IGNORED_TOP = {"schemas"}
_SERVER_OWNED = {"id", "meta", "groups"}


@dataclass(frozen=True)
class PatchTarget:
    """Where a PATCH path points: an attribute of a schema, maybe filtered, maybe a sub-attribute."""

    urn: str  # the schema URN (core or an extension), lower-cased
    attribute: object  # scim2_models Attribute
    filter: object | None
    sub: object | None  # scim2_models Attribute of the sub-attribute

    @property
    def text(self) -> str:
        return self.attribute.name + ("." + self.sub.name if self.sub else "")


def invalid_path(path: str, why: str) -> ScimError:
    return ScimError("scim.invalid_path", f"The path “{path[:120]}” {why}")


def parse_path(path: str, core_urn: str) -> PatchTarget:
    """Resolve ``path`` against the schemas of the resource whose core schema is ``core_urn``."""
    if not isinstance(path, str) or not path.strip():
        raise invalid_path(str(path), "is empty; name an attribute, like name.givenName.")
    if len(path) > 500:
        raise invalid_path(path, "is longer than 500 characters.")
    index = schema.attribute_index()
    allowed = [core_urn.lower()] + (
        [u.lower() for u in schema.EXTENSIONS] if core_urn == schema.CORE_USER else []
    )
    urn, rest = core_urn.lower(), path.strip()
    if rest.lower().startswith("urn:"):
        for candidate in sorted(allowed, key=len, reverse=True):
            if rest.lower().startswith(candidate + ":"):
                urn, rest = candidate, rest[len(candidate) + 1 :]
                break
        else:
            raise invalid_path(
                path,
                f"names a schema this resource does not have; use one of {', '.join(allowed)}.",
            )
    value_filter = None
    if "[" in rest:
        head, _, tail = rest.partition("[")
        if "]" not in tail:
            raise invalid_path(path, "opens “[” without closing it.")
        inner, _, after = tail.rpartition("]")
        value_filter = parse_value_filter(inner)
        if after and not after.startswith("."):
            raise invalid_path(path, "has text after “]” that is not “.subAttribute”.")
        rest = head + after
    attr_path = parse_attr_path(rest) if rest else None
    if attr_path is None or attr_path.urn:
        raise invalid_path(path, "does not name an attribute.")
    attribute = index[urn].get(attr_path.attr.lower())
    if attribute is None and attr_path.attr.lower() == "externalid" and urn == core_urn.lower():
        attribute = EXTERNAL_ID
    if attribute is None:
        known = ", ".join(a.name for a in index[urn].values())
        raise invalid_path(
            path, f"names no attribute of this resource; the attributes are {known}."
        )
    sub = None
    if attr_path.sub:
        sub = schema.sub_attribute(attribute, attr_path.sub)
        if sub is None:
            raise invalid_path(path, f"names no sub-attribute of {attribute.name}.")
    if value_filter is not None and not attribute.multi_valued:
        raise invalid_path(path, f"filters {attribute.name}, which holds a single value.")
    return PatchTarget(urn, attribute, value_filter, sub)


def _key(container: dict, name: str) -> str:
    """Return the key of ``container`` that is ``name`` in any case (or ``name`` itself)."""
    lowered = name.lower()
    return next((k for k in container if k.lower() == lowered), name)


def _get(container: dict, name: str):
    return container.get(_key(container, name))


def _set(container: dict, name: str, value) -> None:
    container.pop(_key(container, name), None)
    container[name] = value


def _pop(container: dict, name: str) -> None:
    container.pop(_key(container, name), None)


def _container(document: dict, target: PatchTarget, *, create: bool) -> dict | None:
    if target.urn in (schema.CORE_USER.lower(), schema.CORE_GROUP.lower()):
        return document
    key = next((k for k in document if k.lower() == target.urn), None)
    if key is None:
        if not create:
            return None
        key = next(u for u in schema.EXTENSIONS if u.lower() == target.urn)
        document[key] = {}
    return document[key]


def _as_list(value) -> list:
    return list(value) if isinstance(value, list) else [value]


def _same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        va, vb = _get(a, "value"), _get(b, "value")
        if va is not None or vb is not None:
            ta, tb = _get(a, "type"), _get(b, "type")
            return str(va).lower() == str(vb).lower() and (ta or "").lower() == (tb or "").lower()
    return a == b


def _element_from_filter(node, path: str) -> dict:
    """Build a new element from a filter of ``eq`` conditions joined by ``and``, or refuse."""
    if isinstance(node, And):
        return {**_element_from_filter(node.left, path), **_element_from_filter(node.right, path)}
    if isinstance(node, Compare) and node.op == "eq":
        return {node.path.attr: node.value}
    raise ScimError(
        "scim.no_target",
        f"No element matches the filter of “{path[:120]}”, and one cannot be made from it "
        "(only eq conditions joined by and can be).",
    )


def _write_checks(target: PatchTarget, path: str) -> None:
    if target.attribute.name in _SERVER_OWNED or target.attribute.mutability.value == "readOnly":
        raise ScimError(
            "scim.mutability",
            f"{target.attribute.name} is set by the server and cannot be changed ({path[:120]}).",
        )


def _normalize_manager(target: PatchTarget, value):
    """Entra ID sends the manager as a bare id string; the schema wants ``{"value": id}``."""
    is_manager = target.urn == schema.ENTERPRISE.lower() and target.attribute.name == "manager"
    if is_manager and isinstance(value, str):
        return {"value": value} if value else None
    return value


def apply_operation(document: dict, op: str, path: str | None, value, core_urn: str) -> None:
    """Apply one operation to ``document`` in place."""
    if path is None or path == "":
        if op == "remove":
            raise ScimError(
                "scim.no_target", "A remove operation needs a path naming what to remove."
            )
        if not isinstance(value, dict):
            raise ScimError(
                "scim.invalid_value",
                f"An {op} without a path needs an object of attributes as its value.",
            )
        for key, item in value.items():
            if key.lower() in _IGNORED_TOP:
                continue
            if key.lower() in ("id", "meta"):
                continue  # Entra ID repeats the id in group updates; server-owned, never changed
            if key.lower() in [u.lower() for u in schema.EXTENSIONS] and isinstance(item, dict):
                for sub_key, sub_item in item.items():
                    if sub_key.lower() not in _IGNORED_TOP:
                        apply_operation(document, op, f"{key}:{sub_key}", sub_item, core_urn)
                continue
            apply_operation(document, op, key, item, core_urn)
        return
    extension = _whole_extension(path, core_urn)
    if extension is not None:
        _apply_to_extension(document, op, extension, value, path)
        return
    target = parse_path(path, core_urn)
    _write_checks(target, path)
    name = target.attribute.name
    if op == "remove":
        container = _container(document, target, create=False)
        if container is None:
            return
        _remove(container, target, value)
        return
    value = _normalize_manager(target, value)
    container = _container(document, target, create=True)
    current = _get(container, name)
    if target.filter is not None:
        elements = [e for e in (current or []) if isinstance(e, dict)]
        hits = [e for e in elements if matches(target.filter, e)]
        if not hits:
            element = _element_from_filter(target.filter, path)
            elements.append(element)
            hits = [element]
        for element in hits:
            if target.sub is not None:
                _set(element, target.sub.name, value)
            elif isinstance(value, dict):
                for k, v in value.items():
                    _set(element, k, v)
            else:
                raise ScimError(
                    "scim.invalid_value",
                    f"The value for “{path[:120]}” must be an object of sub-attributes.",
                )
        _set(container, name, elements)
        return
    if target.sub is not None:
        if target.attribute.multi_valued:
            raise invalid_path(
                path,
                f"does not say which element of {name} to change; use a filter, like "
                f'{name}[type eq "work"].{target.sub.name}.',
            )
        inner = current if isinstance(current, dict) else {}
        _set(inner, target.sub.name, value)
        _set(container, name, inner)
        return
    if target.attribute.multi_valued:
        values = [v for v in _as_list(value) if v is not None]
        if op == "replace" or not current:
            _set(container, name, values)
            return
        merged = list(current)
        for item in values:
            if not any(_same(item, existing) for existing in merged):
                merged.append(item)
        _set(container, name, merged)
        return
    if target.attribute.type.value == "complex" and isinstance(value, dict):
        inner = dict(current) if isinstance(current, dict) else {}
        for k, v in value.items():
            _set(inner, k, v)
        _set(container, name, inner)
        return
    if value is None:
        _pop(container, name)
    else:
        _set(container, name, value)


def _whole_extension(path: str, core_urn: str) -> str | None:
    """Return the extension URN when ``path`` names a whole extension of a user, else ``None``."""
    if core_urn != schema.CORE_USER:
        return None
    lowered = path.strip().lower()
    return next((u for u in schema.EXTENSIONS if u.lower() == lowered), None)


def _apply_to_extension(document: dict, op: str, urn: str, value, path: str) -> None:
    """add merges into the extension, replace sets it whole, remove takes it away."""
    key = next((k for k in document if k.lower() == urn.lower()), urn)
    if op == "remove":
        document.pop(key, None)
        return
    if not isinstance(value, dict):
        raise ScimError(
            "scim.invalid_value",
            f"The value for “{path[:120]}” must be an object of its attributes.",
        )
    if op == "replace":
        document.pop(key, None)
    document.setdefault(urn, {})
    for sub_key, sub_value in value.items():
        if sub_key.lower() in _IGNORED_TOP:
            continue
        apply_operation(document, "add", f"{urn}:{sub_key}", sub_value, schema.CORE_USER)


def _remove(container: dict, target: PatchTarget, value) -> None:
    name = target.attribute.name
    current = _get(container, name)
    if current is None:
        return
    if target.filter is not None:
        elements = [e for e in current if isinstance(e, dict)]
        if target.sub is None:
            _set(container, name, [e for e in elements if not matches(target.filter, e)])
        else:
            for element in elements:
                if matches(target.filter, element):
                    _pop(element, target.sub.name)
        return
    if target.sub is not None:
        if isinstance(current, dict):
            _pop(current, target.sub.name)
        return
    if target.attribute.multi_valued and value is not None:
        doomed = _as_list(value)
        _set(container, name, [e for e in current if not any(_same(e, d) for d in doomed)])
        return
    _pop(container, name)


def parse_operations(body) -> list[tuple[str, str | None, object]]:
    """Check a PatchOp message's shape and return its operations as (op, path, value)."""
    if not isinstance(body, dict):
        raise ScimError("scim.invalid_syntax", "The body must be a PatchOp object.")
    schemas = body.get(_key(body, "schemas"))
    if not isinstance(schemas, list) or schema.PATCH_OP not in schemas:
        raise ScimError(
            "scim.invalid_syntax", f"A PATCH body must list the schema {schema.PATCH_OP}."
        )
    operations = body.get(_key(body, "Operations"))
    if not isinstance(operations, list) or not operations:
        raise ScimError("scim.invalid_syntax", "A PATCH body needs a non-empty Operations list.")
    if len(operations) > schema.MAX_OPERATIONS:
        raise ScimError(
            "scim.too_many",
            f"A PATCH may carry at most {schema.MAX_OPERATIONS} operations; send several.",
        )
    parsed = []
    for number, operation in enumerate(operations, start=1):
        if not isinstance(operation, dict):
            raise ScimError("scim.invalid_syntax", f"Operation {number} is not an object.")
        op = operation.get(_key(operation, "op"))
        if not isinstance(op, str) or op.lower() not in OPS:
            raise ScimError(
                "scim.invalid_syntax",
                f"Operation {number} has op {str(op)[:20]!r}; use add, replace or remove.",
            )
        path = operation.get(_key(operation, "path"))
        if path is not None and not isinstance(path, str):
            raise ScimError(
                "scim.invalid_path", f"The path of operation {number} must be a string."
            )
        parsed.append((op.lower(), path, copy.deepcopy(operation.get(_key(operation, "value")))))
    return parsed
