"""The last SCIM requests of each tenant, for the console (like the IdP's provisioning log).

Only the method, the path and query (which may carry a filter, never the
token), the status and the SCIM error are kept; the body never is. Each
tenant keeps its newest :data:`KEEP` entries, so the table cannot grow
without bound however busy the identity provider is.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

from ssoconsole.core import clock
from ssoconsole.scim.models import ScimRequestLog

KEEP = 500
PRUNE_EVERY = 50


def remember(token, request, status: int, error, resource_id: str) -> None:
    """Log one request of an authenticated caller (unauthenticated ones have no tenant to show)."""
    if token is None:
        return
    path = unquote_plus(request.get_full_path())  # readable filters: userName eq "ann@x", not %22
    entry = ScimRequestLog.objects.create(
        tenant_id=token.tenant_id,
        at=clock.now(),
        method=request.method[:8],
        path=path[:300],
        status=status,
        scim_type=(error.scim_type if error else "")[:32],
        detail=(error.detail if error else "")[:500],
        resource_id=resource_id[:64],
    )
    if entry.id % PRUNE_EVERY == 0:
        _prune(token.tenant_id)


def _prune(tenant_id) -> None:
    newest = (
        ScimRequestLog.objects.filter(tenant_id=tenant_id)
        .order_by("-id")
        .values_list("id", flat=True)[KEEP : KEEP + 1]
    )
    cutoff = list(newest)
    if cutoff:
        ScimRequestLog.objects.filter(tenant_id=tenant_id, id__lte=cutoff[0]).delete()


def recent(tenant, limit: int = 50):
    return ScimRequestLog.objects.filter(tenant=tenant).order_by("-id")[:limit]
