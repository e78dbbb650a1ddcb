"""Users of a directory: the list and "New user > Create new user"."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ssoconsole.core.errors import ValidationFailed
from ssoconsole.devidp import access, services
from ssoconsole.devidp.forms import UserForm, apply_error
from ssoconsole.devidp.views.common import directory_or_404


@access.admin_required
def user_list(request, tenant_id):
    directory = directory_or_404(tenant_id)
    return TemplateResponse(request, "devidp/users.html", {"directory": directory, "users": directory.users.all()})


@access.admin_required
@require_http_methods(["GET", "POST"])
def user_new(request, tenant_id):
    directory = directory_or_404(tenant_id)
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_user(
                directory, data["upn"], data["given_name"], data["surname"], data["password"],
                display_name=data["display_name"] or None, mail=data["mail"] or None,
            )
        except ValidationFailed as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Created user {user.upn}.")
            return redirect(reverse("devidp:users", args=[directory.id]))
    return TemplateResponse(request, "devidp/user_new.html", {"directory": directory, "form": form})
