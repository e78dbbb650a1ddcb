"""Error pages: each says what happened and what to do next, and none shows a stack trace.

404, 403, 400 and 500 are Django's default handlers rendering this app's
``404.html`` (and so on) templates; the CSRF failure view is named in
settings (``CSRF_FAILURE_VIEW``). The 500 page is rendered without a
request context, so it relies on nothing but static files.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render


def csrf_failure(request, reason: str = ""):
    """Explain a refused form submission; Django's ``reason`` is for logs, not for people.

    A REST API call authenticated by the session cookie but sent without the
    CSRF token gets the API's JSON error, not the console's page: a client of
    the API reads ``code``, and the OpenAPI document promises JSON.
    """
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "error": {
                    "code": "csrf_failed",
                    "message": "This request used the console's session cookie without the CSRF "
                    "token. Send an API token (Authorization: Bearer ...) instead, or the "
                    "X-CSRFToken header the console's pages send.",
                }
            },
            status=403,
        )
    return render(request, "console/errors/csrf.html", status=403)
