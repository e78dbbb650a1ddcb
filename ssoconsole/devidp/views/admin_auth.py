"""Signing in to and out of the dev IdP's admin pages with its own admin password."""

from __future__ import annotations

from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ssoconsole.devidp import access
from ssoconsole.devidp.forms import AdminSignInForm


@require_http_methods(["GET", "POST"])
def admin_sign_in(request):
    next_url = access.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if access.is_admin(request):
        return redirect(next_url)
    form = AdminSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if access.password_matches(form.cleaned_data["password"]):
            access.sign_in(request)
            return redirect(next_url)
        form.add_error("password", "That is not the dev IdP's admin password.")
    return TemplateResponse(request, "devidp/admin_signin.html", {"form": form, "next": next_url})


@require_POST
def admin_sign_out(request):
    access.sign_out(request)
    return redirect(reverse("devidp:admin_signin"))
