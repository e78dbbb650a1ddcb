"""The App Federation Metadata Url: public, like Entra's, and built fresh on each request.

Built fresh so that a new or activated certificate shows at once; that is
what lets a service provider's metadata refresh be tested against it.
"""

from __future__ import annotations

import uuid

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ssoconsole.devidp import links, services
from ssoconsole.devidp.metadata import build_metadata
from ssoconsole.devidp.views.common import app_or_404, directory_or_404


@require_GET
def federation_metadata(request, tenant_id):
    directory = directory_or_404(tenant_id)
    try:
        app_id = uuid.UUID(request.GET.get("appid", ""))
    except ValueError:
        raise Http404("The appid parameter must be the application ID of an enterprise application.") from None
    app = app_or_404(directory, app_id)
    now = timezone.now()
    active = services.active_certificate(app)
    document = build_metadata(
        entity_id=links.entity_id(directory.id),
        sso_url=links.sso_url(directory.id),
        certificates=[c.certificate_pem for c in services.published_certificates(app, now)],
        signing_key_pem=active.private_key_pem,
        signing_cert_pem=active.certificate_pem,
        now=now,
    )
    response = HttpResponse(document, content_type="application/xml; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
