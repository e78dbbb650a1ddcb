"""Identity Management > Service provider keys: rotate the SP signing and encryption keys.

One page shows, per purpose, the stage of the rotation, the certificates
(with Entra ID's thumbprint) and the next step in Entra ID's words; its
buttons post the three steps of :mod:`ssoconsole.sso.sp_rotation`, which
audits each and refuses a step out of order with a sentence that says why.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ssoconsole.accounts.access import console_view
from ssoconsole.accounts.roles import Capability
from ssoconsole.console.forms.common import refusals_shown_on
from ssoconsole.sso import sp_rotation
from ssoconsole.sso.sp_identity import sp_identity

STEPS = {
    "prepare": (
        sp_rotation.prepare_next_key,
        "Next {purpose} key prepared and published in the service provider metadata.",
    ),
    "switch": (sp_rotation.switch_key, "Switched to the new {purpose} key."),
    "retire": (sp_rotation.retire_old_key, "The old {purpose} key is retired."),
}
LABELS = {"signing": "Request signing key", "encryption": "Assertion encryption key"}


@console_view(Capability.IDENTITY_MANAGE)
@require_http_methods(["GET", "POST"])
def sp_keys(request):
    """Show both keys' rotation stage; a POST runs one step (``purpose``, ``action``)."""
    if request.method == "POST":
        purpose, action = request.POST.get("purpose", ""), request.POST.get("action", "")
        step = STEPS.get(action)
        if step is None or purpose not in sp_rotation.PURPOSES:
            messages.error(request, "Choose one of the buttons on this page.")
        else:
            run, done = step
            with refusals_shown_on(None) as call:
                run(request.tenant, purpose, actor=request.user, request=request)
            if call.ok:
                messages.success(request, done.format(purpose=purpose))
            else:
                messages.error(request, call.message)
        return redirect("console:identity_sp_keys")
    identity = sp_identity(request.tenant)
    statuses = [(LABELS[p], sp_rotation.key_status(identity, p)) for p in sp_rotation.PURPOSES]
    return render(request, "console/identity/sp_keys.html", {"statuses": statuses})
