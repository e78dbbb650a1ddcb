"""A django-ninja router with the API's conventions built in.

* Every operation serializes camelCase (``by_alias``).
* An operation whose auth schemes carry a capability states it in the
  OpenAPI document (``x-required-capability`` and a sentence in the
  description), so the document and the access check cannot drift apart.
* Query parameters the operation does not define are refused: ninja would
  drop them silently, and a misspelt filter (``?usrname=``) would then
  return every row instead of the one asked for.
"""

from __future__ import annotations

import inspect
from functools import wraps

from ninja import Router

from ssoconsole.accounts.roles import Capability
from ssoconsole.api.errors import UnknownParameter
from ssoconsole.api.parsing import check_text


def _query_names(operation) -> frozenset[str]:
    names: set[str] = set()
    for model in operation.models:
        if model.__ninja_param_source__ == "query":
            names.update(getattr(model, "__ninja_flatten_map__", None) or model.model_fields)
    return frozenset(names)


def _refusing_unknown_query(view, allowed: frozenset[str]):
    @wraps(view)
    def checked(request, *args, **kwargs):
        unknown = sorted(set(request.GET) - allowed)
        if unknown:
            hint = (
                f"; this endpoint takes {', '.join(sorted(allowed))}"
                if allowed
                else "; this endpoint takes none"
            )
            raise UnknownParameter(
                f"Unknown query parameter “{unknown[0]}”{hint}.",
                field=unknown[0],
                details={"unknown": unknown, "allowed": sorted(allowed)},
            )
        for name, values in request.GET.lists():
            for value in values:
                check_text(value, name)
        return view(request, *args, **kwargs)

    return checked


class ApiRouter(Router):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("by_alias", True)
        super().__init__(**kwargs)

    def add_api_operation(
        self, path, methods, view_func, *, auth=None, description=None, openapi_extra=None, **kwargs
    ):
        if auth is None:
            raise TypeError(
                f"{view_func.__name__}: every API operation declares its access with auth=access(...)"
            )
        # The docstring's first line is the summary, the rest the description (PEP 257 shape).
        first, _, rest = (inspect.getdoc(view_func) or "").partition("\n")
        kwargs["summary"] = kwargs.get("summary") or first.strip().rstrip(".") or None
        description = description or rest.strip()
        capability = next((a.capability for a in auth if getattr(a, "capability", None)), None)
        extra = dict(openapi_extra or {})
        if capability:
            extra["x-required-capability"] = capability
            description += f"\n\nRequires the `{capability}` permission ({Capability(capability).label.lower()})."
        else:
            description += "\n\nAny signed-in user of the tenant may call this."
        super().add_api_operation(
            path,
            methods,
            view_func,
            auth=auth,
            description=description.strip(),
            openapi_extra=extra or None,
            **kwargs,
        )
        operation = self.path_operations[self._stored_path(path)].operations[-1]
        operation.view_func = _refusing_unknown_query(operation.view_func, _query_names(operation))

    @staticmethod
    def _stored_path(path: str) -> str:
        # Router.add_api_operation stores {uuid:x} as {uuidstr:x}; find the entry under that key.
        return path.replace("{uuid:", "{uuidstr:")
