"""My Apps: the tiles a signed-in user sees for apps that are "Visible to users".

A tile goes to the app's Sign on URL, so that the service provider starts
the sign-in (SP-initiated). The dev IdP never sends unsolicited
(IdP-initiated) responses, so an app without a Sign on URL gets no tile and
the page says why.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ssoconsole.core import clock
from ssoconsole.devidp import services, sessions
from ssoconsole.devidp.forms import SignInForm
from ssoconsole.devidp.models import AppAssignment, EnterpriseApp
from ssoconsole.devidp.views.common import directory_or_404


def visible_apps(directory, user):
    """Return the apps ``user`` may see: visible, enabled, and assigned when assignment is required."""
    assigned = AppAssignment.objects.filter(app=OuterRef("pk"), user=user)
    return (
        EnterpriseApp.objects.filter(
            directory=directory, visible_to_users=True, enabled_for_sign_in=True
        )
        .filter(Q(assignment_required=False) | Exists(assigned))
        .order_by("name")
    )


@require_http_methods(["GET", "POST"])
def my_apps(request, tenant_id):
    directory = directory_or_404(tenant_id)
    now = clock.now()
    session = sessions.current(request, directory, now)
    if session is None:
        form = SignInForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            user = services.check_credentials(
                directory, form.cleaned_data["username"], form.cleaned_data["password"]
            )
            if user is not None and user.account_enabled:
                token, session = sessions.start(directory, user, now)
                response = redirect(reverse("devidp:myapps", args=[directory.id]))
                sessions.set_cookie(response, directory, token, session)
                return response
            form.add_error(None, "Your account or password is incorrect.")
        return TemplateResponse(
            request, "devidp/myapps_signin.html", {"directory": directory, "form": form}
        )
    apps = list(visible_apps(directory, session.user))
    return TemplateResponse(
        request,
        "devidp/myapps.html",
        {
            "directory": directory,
            "idp_user": session.user,
            "tiles": [app for app in apps if app.sign_on_url],
            "without_sign_on_url": [app for app in apps if not app.sign_on_url],
        },
    )


@require_POST
def sign_out(request, tenant_id):
    """End this browser's IdP session in the directory (the dev IdP's only sign-out; there is no SLO)."""
    directory = directory_or_404(tenant_id)
    sessions.end(request, directory)
    response = redirect(reverse("devidp:myapps", args=[directory.id]))
    sessions.clear_cookie(response, directory)
    return response
