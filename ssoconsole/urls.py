"""Root URL configuration: each app owns its own URL module."""

from django.conf import settings
from django.urls import include, path

urlpatterns = [
    path("", include("ssoconsole.ops.urls")),
    path("api/v1/", include("ssoconsole.api.urls")),
    path("", include("ssoconsole.scim.urls")),
    path("", include("ssoconsole.accounts.urls")),
    path("", include("ssoconsole.agents.urls")),
    path("", include("ssoconsole.console.urls")),
    path("", include("ssoconsole.sso.urls")),
]

if settings.SSOCONSOLE_DEVIDP_ENABLED:
    # The development identity provider exists only when asked for (``ssoconsole
    # demo`` or SSOCONSOLE_DEVIDP=1); a production configuration has no /devidp/.
    # It goes first so that no catch-all pattern of another app shadows it.
    urlpatterns.insert(0, path("devidp/", include("ssoconsole.devidp.urls")))

# A database outage answers 503 with Retry-After (ssoconsole.ops.faults), never a 500.
handler500 = "ssoconsole.ops.faults.server_error"
