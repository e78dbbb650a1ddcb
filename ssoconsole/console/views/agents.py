"""Desktop agents in the console: the admin list (agents.manage) and revocation with a confirmation.

Users see and revoke their own agents under Account › My devices, and an
administrator sees a user's agents on the user's page; both render
``console/agents/table.html`` through the ``agent_tags`` template tag and
post to :func:`agent_revoke`, which asks for confirmation first.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from ssoconsole.accounts.access import console_view
from ssoconsole.accounts.roles import Capability
from ssoconsole.agents import services as agents
from ssoconsole.console.views.common import paginate, post_only, query_without_page
from ssoconsole.core.errors import Forbidden, NotFound

# Where a revocation returns to: only these pages, never a URL from the form.
RETURN_TO = {"account", "agents", "user"}
MAX_SILENT_DAYS = 3650
SILENT_HELP = f"Enter a whole number of days from 1 to {MAX_SILENT_DAYS}, or leave it empty."


def _silent_days(raw: str) -> tuple[int | None, str]:
    """Read the "not reporting for N days" filter: (days or None, the error to show or "")."""
    raw = raw.strip()[:10]
    if not raw:
        return None, ""
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SILENT_DAYS:
        return None, SILENT_HELP
    return int(raw), ""


@console_view(Capability.AGENTS_MANAGE)
def agent_list(request):
    """List the tenant's active agents, 50 a page, searchable, and filterable to those silent for N days."""
    text = request.GET.get("q", "").strip()[:200]
    silent, silent_error = _silent_days(request.GET.get("silent", ""))
    rows = agents.agents_of_tenant(request.tenant, search=text, silent_days=silent)
    return render(
        request,
        "console/agents/list.html",
        {
            "page": paginate(request, rows),
            "query": query_without_page(request),
            "q": text,
            "silent": silent,
            "silent_raw": request.GET.get("silent", "")[:10],
            "silent_error": silent_error,
        },
    )


def _back(agent, where: str):
    if where == "user":
        return redirect("console:user_detail", user_id=agent.user_id)
    if where == "agents":
        return redirect("console:agent_list")
    return redirect("console:account")


@console_view()
@post_only
def agent_revoke(request):
    """Show what revoking an agent does (first POST), then revoke it (POST with ``confirm``)."""
    where = request.POST.get("next") if request.POST.get("next") in RETURN_TO else "account"
    try:
        agent = agents.find_revocable(request.user, request.POST.get("agent", ""))
    except NotFound as exc:
        raise Http404(exc.message) from None
    except Forbidden as exc:
        return render(
            request, "console/forbidden.html", {"capability": exc.details["capability"]}, status=403
        )
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "console/agents/confirm_revoke.html",
            {"agent": agent, "next": where, "own": agent.user_id == request.user.id},
        )
    agents.revoke(agent, actor=request.user, request=request)
    messages.success(
        request,
        f"Agent “{agent.name}” of {agent.user.username} revoked. It stops working now and must be signed in again.",
    )
    return _back(agent, where)
