"""Users of a directory: the list, "New user > Create new user", and blocking sign-in."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ssoconsole.core.errors import ValidationFailed
from ssoconsole.devidp import access, services
from ssoconsole.devidp.forms import DirectoryUserForm, apply_error
from ssoconsole.devidp.views.common import directory_or_404


@access.admin_required
def user_list(request, tenant_id):
    directory = directory_or_404(tenant_id)
    return TemplateResponse(
        request, "devidp/users.html", {"directory": directory, "users": directory.users.all()}
    )


@access.admin_required
@require_http_methods(["GET", "POST"])
def user_new(request, tenant_id):
    directory = directory_or_404(tenant_id)
    form = DirectoryUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_user(
                directory,
                data["upn"],
                data["given_name"],
                data["surname"],
                data["password"],
                display_name=data["display_name"] or None,
                mail=data["mail"] or None,
            )
        except ValidationFailed as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Created user {user.upn}.")
            return redirect(reverse("devidp:users", args=[directory.id]))
    return TemplateResponse(request, "devidp/user_new.html", {"directory": directory, "form": form})


@access.admin_required
@require_POST
def user_account_enabled(request, tenant_id, user_id):
    """Block or allow a user's sign-in, e.g. to see what the console does when a user loses IdP access."""
    directory = directory_or_404(tenant_id)
    user = directory.users.filter(id=user_id).first()
    if user is None:
        raise Http404("No such user.")
    enabled = request.POST.get("account_enabled") == "yes"
    services.set_account_enabled(user, enabled)
    messages.success(
        request, f"{user.upn} {'may sign in again' if enabled else 'is blocked from signing in'}."
    )
    return redirect(reverse("devidp:users", args=[directory.id]))
