"""Sign-in logs: the directory's recent sign-in attempts, newest first, with their AADSTS codes."""

from __future__ import annotations

from django.template.response import TemplateResponse

from ssoconsole.devidp import access
from ssoconsole.devidp.views.common import directory_or_404

SHOWN = 200


@access.admin_required
def sign_in_logs(request, tenant_id):
    directory = directory_or_404(tenant_id)
    events = directory.sign_ins.select_related("app")[:SHOWN]
    return TemplateResponse(
        request, "devidp/sign_ins.html", {"directory": directory, "events": events, "shown": SHOWN}
    )
