"""URLs of REST API v1, mounted at ``/api/v1/``.

django-ninja answers an unknown method on a known URL with a plain-text 405,
and Django answers an unknown URL with an HTML 404; the wrapper and the
catch-all below give those the API's JSON error shape too.
"""

from functools import wraps

from django.http import Http404
from django.urls import re_path

from ssoconsole.api.app import build_api, method_not_allowed
from ssoconsole.api.errors import error_response, internal_error
from ssoconsole.core.errors import NotFound

api = build_api()


def _json_edges(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return unknown_url(request)
        except Exception as exc:  # the views ninja does not guard, such as the OpenAPI document
            return internal_error(exc)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
            return error_response(method_not_allowed(allowed))
        return response

    return wrapper


def unknown_url(request, *args, **kwargs):
    return error_response(
        NotFound(
            f"There is no API endpoint at {request.path}; see /api/v1/openapi.json for the list.",
        )
    )


_patterns, _ninja_app, app_name = api.urls  # app_name "api-v1": ninja reverses its root by it
for pattern in _patterns:
    pattern.callback = _json_edges(pattern.callback)

urlpatterns = [*_patterns, re_path(r"^[\s\S]*\Z", unknown_url, name="api-unknown-url")]
