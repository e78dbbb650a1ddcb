"""The admin home: the directories (dev tenants) and a form to create one."""

from __future__ import annotations

from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ssoconsole.core.errors import ValidationFailed
from ssoconsole.devidp import access, links, services
from ssoconsole.devidp.forms import DirectoryForm, apply_error
from ssoconsole.devidp.models import Directory
from ssoconsole.devidp.views.common import directory_or_404


@access.admin_required
@require_http_methods(["GET", "POST"])
def home(request):
    form = DirectoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            directory = services.create_directory(form.cleaned_data["name"])
        except ValidationFailed as exc:
            apply_error(form, exc)
        else:
            return redirect(reverse("devidp:directory", args=[directory.id]))
    return TemplateResponse(
        request, "devidp/home.html", {"directories": Directory.objects.all(), "form": form}
    )


@access.admin_required
def overview(request, tenant_id):
    """The directory's Overview: tenant id and the endpoints (Entra's "Endpoints" blade)."""
    directory = directory_or_404(tenant_id)
    return TemplateResponse(
        request,
        "devidp/directory.html",
        {
            "directory": directory,
            "entity_id": links.entity_id(directory.id),
            "sso_url": links.sso_url(directory.id),
            "myapps_url": links.myapps_url(directory.id),
            "user_count": directory.users.count(),
            "app_count": directory.apps.count(),
        },
    )
