"""Users and groups: who is assigned to an app (it matters when "Assignment required?" is Yes)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ssoconsole.devidp import access, services
from ssoconsole.devidp.forms import AssignForm
from ssoconsole.devidp.views.common import app_or_404, directory_or_404


@access.admin_required
@require_http_methods(["GET", "POST"])
def app_users(request, tenant_id, app_id):
    directory = directory_or_404(tenant_id)
    app = app_or_404(directory, app_id)
    candidates = directory.users.exclude(assignments__app=app)
    form = AssignForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["user"]
        services.assign(app, user)
        messages.success(request, f"{user.display_name} is assigned to {app.name}.")
        return redirect(reverse("devidp:app_users", args=[directory.id, app.id]))
    return TemplateResponse(
        request,
        "devidp/app_users.html",
        {
            "directory": directory,
            "app": app,
            "form": form,
            "assignments": app.assignments.select_related("user"),
            "has_candidates": candidates.exists(),
            "tab": "users",
        },
    )


@access.admin_required
@require_POST
def app_user_remove(request, tenant_id, app_id, user_id):
    directory = directory_or_404(tenant_id)
    app = app_or_404(directory, app_id)
    user = directory.users.filter(id=user_id).first()
    if user is None:
        raise Http404("No such user.")
    services.unassign(app, user)
    messages.success(request, f"{user.display_name} is no longer assigned to {app.name}.")
    return redirect(reverse("devidp:app_users", args=[directory.id, app.id]))
