"""Serve the tenant's SP metadata at the metadata URL and at the entity ID.

Public and unauthenticated by design: the IdP (or its administrator) reads
it, and it holds only public values. Cacheable for a few minutes so that a
change of "sign requests" reaches IdPs that poll it soon.
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from ssoconsole.sso.sp_identity import sp_metadata_xml
from ssoconsole.tenancy.models import Tenant

CONTENT_TYPE = "application/samlmetadata+xml"
MAX_AGE = 300


def _not_found() -> HttpResponse:
    return HttpResponse(
        "No tenant with this id. Copy the service provider metadata URL again from Administration > Integrations > "
        "Identity Management.\n",
        status=404,
        content_type="text/plain; charset=utf-8",
    )


@require_safe
def sp_metadata(request, tenant_id) -> HttpResponse:
    """Return the SP metadata XML of ``tenant_id``, or a readable 404."""
    try:
        tenant = Tenant.objects.get(id=UUID(str(tenant_id)))
    except (ValueError, Tenant.DoesNotExist):
        return _not_found()
    response = HttpResponse(sp_metadata_xml(tenant), content_type=CONTENT_TYPE)
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["Content-Disposition"] = f'inline; filename="sp-metadata-{tenant.id}.xml"'
    return response
