"""Enterprise applications: the list, New application (gallery), Overview and Properties."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ssoconsole.core.errors import ValidationFailed
from ssoconsole.devidp import access, services
from ssoconsole.devidp.forms import NewAppForm, PropertiesForm, apply_error
from ssoconsole.devidp.views.common import app_or_404, directory_or_404


@access.admin_required
def app_list(request, tenant_id):
    directory = directory_or_404(tenant_id)
    return TemplateResponse(
        request, "devidp/apps.html", {"directory": directory, "apps": directory.apps.all()}
    )


@access.admin_required
@require_http_methods(["GET", "POST"])
def app_new(request, tenant_id):
    """Add an app from the gallery (Entra's "Browse Microsoft Entra Gallery"): one entry, ssoconsole, and an optional name."""
    directory = directory_or_404(tenant_id)
    query = request.GET.get("q", "")
    form = NewAppForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            app = services.create_app(directory, form.cleaned_data["name"])
        except ValidationFailed as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Application {app.name} added.")
            return redirect(reverse("devidp:app", args=[directory.id, app.id]))
    return TemplateResponse(
        request,
        "devidp/app_new.html",
        {
            "directory": directory,
            "form": form,
            "query": query,
            "matches": query.strip().lower() in "ssoconsole",
        },
    )


@access.admin_required
def app_overview(request, tenant_id, app_id):
    directory = directory_or_404(tenant_id)
    app = app_or_404(directory, app_id)
    return TemplateResponse(
        request, "devidp/app_overview.html", {"directory": directory, "app": app, "tab": "overview"}
    )


@access.admin_required
@require_http_methods(["GET", "POST"])
def app_properties(request, tenant_id, app_id):
    directory = directory_or_404(tenant_id)
    app = app_or_404(directory, app_id)
    initial = {
        "enabled_for_sign_in": "yes" if app.enabled_for_sign_in else "no",
        "assignment_required": "yes" if app.assignment_required else "no",
        "visible_to_users": "yes" if app.visible_to_users else "no",
    }
    form = PropertiesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.set_properties(app, **form.cleaned_data)
        messages.success(request, "Properties saved.")
        return redirect(reverse("devidp:app_properties", args=[directory.id, app.id]))
    return TemplateResponse(
        request,
        "devidp/app_properties.html",
        {"directory": directory, "app": app, "form": form, "tab": "properties"},
    )
