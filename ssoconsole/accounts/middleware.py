"""Session timeouts, enforced on every request (see ``ssoconsole.accounts.sessions``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponseRedirect

from ssoconsole.accounts.sessions import enforce_timeouts


class SessionTimeoutMiddleware:
    """End idle and over-age sessions before any view sees them.

    A page request whose session just ended goes to the login page, which
    says why and returns to the page afterwards; API calls and form posts
    continue as anonymous, so they get the usual 401 or login redirect
    instead of a redirect they cannot follow.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reason = enforce_timeouts(request)
        if reason and request.method == "GET" and not request.path.startswith(("/api/", "/login")):
            query = urlencode({"expired": reason, "next": request.get_full_path()})
            return HttpResponseRedirect(f"/login?{query}")
        return self.get_response(request)
