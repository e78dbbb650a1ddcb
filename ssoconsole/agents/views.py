"""``/agents/authorize/<key>``: the page an agent opens in the system browser.

Anonymous visitors go through the normal ``/login`` (username first, then a
password or the identity provider) with ``next`` pointing back here; a
signed-in user sees which device asks to sign in as whom, with the code the
agent shows, and approves or denies it with a CSRF-protected POST.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from ssoconsole.accounts.access import signed_in_user
from ssoconsole.agents import approval
from ssoconsole.agents.errors import APPROVAL_PAGE_REFUSALS, WrongCode
from ssoconsole.core.errors import DomainError

DECISIONS = ("approve", "deny")


def _page(request, template: str, context: dict, status: int = 200):
    response = render(request, f"agents/{template}", context, status=status)
    add_never_cache_headers(response)
    # The URL holds the hand-off's key. The site-wide "same-origin" policy already keeps
    # it out of Referer headers to other sites; "no-referrer" would go further but makes
    # Chromium send "Origin: null" with the approve POST, which the CSRF check refuses.
    return response


def _refused(request, exc: DomainError):
    return _page(
        request,
        "refused.html",
        {"title": exc.title, "message": exc.message, "code": exc.code},
        exc.status,
    )


@require_http_methods(["GET", "POST"])
def authorize(request, key: str):
    """Show the approval page (GET) or record the user's decision (POST)."""
    user = signed_in_user(request)
    if user is None:
        return HttpResponseRedirect("/login?" + urlencode({"next": request.path}))
    code_error = None
    try:
        handoff = approval.find(key)
        approval.check_start_allowed(handoff, user)
        cookie = approval.browser_value(request.COOKIES)
        if request.method == "POST" and request.POST.get("decision") in DECISIONS:
            approve = request.POST["decision"] == "approve"
            try:
                approval.decide(
                    request,
                    handoff,
                    user,
                    cookie,
                    approve=approve,
                    typed_code=request.POST.get("user_code"),
                )
            except WrongCode as exc:
                code_error = exc.message
            else:
                return _page(
                    request, "approved.html" if approve else "denied.html", {"handoff": handoff}
                )
        # A GET, a POST without a decision or with a wrong code: (re)show the question.
        cookie = approval.claim(handoff, user, cookie)
    except APPROVAL_PAGE_REFUSALS as exc:
        return _refused(request, exc)
    status = 400 if request.method == "POST" else 200
    context = {"handoff": handoff, "user": user, "code_error": code_error}
    context.update(approval.where_and_when(handoff, request))
    response = _page(request, "authorize.html", context, status)
    approval.set_cookie(response, cookie)
    return response
