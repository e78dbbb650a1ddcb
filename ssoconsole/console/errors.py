"""Error pages: each says what happened and what to do next, and none shows a stack trace.

404, 403, 400 and 500 are Django's default handlers rendering this app's
``404.html`` (and so on) templates; the CSRF failure view is named in
settings (``CSRF_FAILURE_VIEW``). The 500 page is rendered without a
request context, so it relies on nothing but static files.
"""

from __future__ import annotations

from django.shortcuts import render


def csrf_failure(request, reason: str = ""):
    """Explain a refused form submission; Django's ``reason`` is for logs, not for people."""
    return render(request, "console/errors/csrf.html", status=403)
