"""Serve the tenant's SP metadata at the metadata URL and at the entity ID, and its encryption certificate.

The metadata is public and unauthenticated by design: the IdP (or its
administrator) reads it, and it holds only public values. Cacheable for a
few minutes so that a change of "sign requests" reaches IdPs that poll it
soon. The encryption certificate is public too (the metadata carries it),
but its download is a console action of the Identity Management screen,
for IdPs such as Entra ID that take it as an uploaded file, not from metadata.
"""

from __future__ import annotations

import logging
from uuid import UUID

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ssoconsole.accounts.access import console_view
from ssoconsole.accounts.roles import Capability
from ssoconsole.sso.errors import KeyDecryptionFailed
from ssoconsole.sso.sp_identity import encryption_certificate_pem, sp_metadata_xml
from ssoconsole.tenancy.models import Tenant

log = logging.getLogger("ssoconsole.sso")

CONTENT_TYPE = "application/samlmetadata+xml"
# Browsers save application/samlmetadata+xml as a download; the tutorial's
# Step 1 has the administrator open the metadata URL and read it, so a client
# that asks for HTML (a browser) gets the same bytes as displayable XML.
BROWSER_CONTENT_TYPE = "text/xml; charset=utf-8"
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
    try:
        xml = sp_metadata_xml(tenant)
    except KeyDecryptionFailed as exc:
        log.error("SP metadata of tenant %s unavailable: %s", tenant.id, exc.message)
        return HttpResponse(
            "The service provider metadata is unavailable because the tenant's SP keys cannot be read. "
            "An administrator must restore the server's secret key; the server log says more.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    wants_page = "text/html" in request.headers.get("Accept", "")
    response = HttpResponse(xml, content_type=BROWSER_CONTENT_TYPE if wants_page else CONTENT_TYPE)
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["Vary"] = "Accept"
    response["Content-Disposition"] = f'inline; filename="sp-metadata-{tenant.id}.xml"'
    return response


@never_cache
@require_safe
@console_view(Capability.IDENTITY_MANAGE)
def sp_encryption_certificate(request) -> HttpResponse:
    """Download the tenant's SP encryption certificate as a Base64 (PEM) ``.cer`` file.

    Entra ID's Token encryption > Import certificate takes this file; Base64
    rather than DER because every IdP's upload accepts it and an
    administrator can open it to check what it is.
    """
    response = HttpResponse(
        encryption_certificate_pem(request.tenant), content_type="application/x-pem-file"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="ssoconsole-sp-encryption-{request.tenant.id}.cer"'
    )
    return response
