"""Identity Management › Local users: the users who keep password sign-in when their org uses SSO.

They are the Identity Management Administrator's way back in while the
identity provider is being fixed, so the card lives on that screen and needs
only identity.manage there (the service checks local_users.manage and that
the user is not more powerful than the administrator). Every change goes
through ``accounts.services.set_local_sign_in``, which audits it.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ssoconsole.accounts.access import console_view
from ssoconsole.accounts.local_users import user_by_username
from ssoconsole.accounts.roles import Capability
from ssoconsole.accounts.services import get_user, password_warning, set_local_sign_in
from ssoconsole.console.forms.common import refusals_shown_on
from ssoconsole.console.forms.local_users import AddLocalUserForm
from ssoconsole.console.views.common import get_or_404
from ssoconsole.console.views.identity import identity_page


@console_view(Capability.IDENTITY_MANAGE)
@require_http_methods(["GET", "POST"])
def local_user_add(request):
    """Add local user: name a user of the tenant; a refusal is shown on the Identity Management screen.

    The form lives in that screen's "Local users" card; a GET (a reloaded or
    bookmarked form address) shows the same screen.
    """
    form = AddLocalUserForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # Every refusal here is about the user named, so even one without a field goes next to it.
        with refusals_shown_on(form, {"username": "username", "": "username"}) as call:
            user = user_by_username(request.tenant, form.cleaned_data["username"])
            set_local_sign_in(user, True, actor=request.user, request=request)
        if call.ok:
            messages.success(
                request,
                f"{user.username} is a local user: they sign in with a password even when their "
                "organization uses single sign-on.",
            )
            warning = password_warning(user)
            if warning:
                messages.warning(request, warning)
            return redirect("console:identity")
    return identity_page(request, form if form.is_bound else None)


@console_view(Capability.IDENTITY_MANAGE)
@require_http_methods(["GET", "POST"])
def local_user_remove(request, user_id):
    """Remove a local user after a confirmation; another tenant's user is a 404 like a missing one."""
    user = get_or_404(get_user, request.tenant, user_id)
    error = None
    if request.method == "POST" and not user.local_sign_in:
        messages.info(request, f"{user.username} is not a local user; nothing changed.")
        return redirect("console:identity")
    if request.method == "POST":
        with refusals_shown_on(None) as call:
            set_local_sign_in(user, False, actor=request.user, request=request)
        if call.ok:
            messages.success(
                request,
                f"{user.username} is no longer a local user: they sign in the way their "
                "organization does.",
            )
            return redirect("console:identity")
        error = call.message
    return render(
        request, "console/identity/local_user_remove.html", {"subject": user, "error": error}
    )
