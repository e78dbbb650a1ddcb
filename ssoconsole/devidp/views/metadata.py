"""The App Federation Metadata Url: public, like Entra's, and built fresh on each request.

Built fresh so that a new or activated certificate shows at once; that is
what lets a service provider's metadata refresh be tested against it.
"""

from __future__ import annotations

import uuid

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from ssoconsole.devidp.local_metadata import federation_metadata as build_document
from ssoconsole.devidp.views.common import app_or_404, directory_or_404


@require_GET
def federation_metadata(request, tenant_id):
    directory = directory_or_404(tenant_id)
    try:
        app_id = uuid.UUID(request.GET.get("appid", ""))
    except ValueError:
        raise Http404(
            "The appid parameter must be the application ID of an enterprise application."
        ) from None
    app = app_or_404(directory, app_id)
    document = build_document(app)
    response = HttpResponse(document, content_type="application/xml; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
