"""Administration > Integrations > Identity Management.

Until authentication providers exist (a later issue), the screen shows what
an administrator needs first (tutorial step 1): the service provider metadata
URL and the values the identity provider asks for, all built from the
configured base URL, never from the request's Host header.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import render

from ssoconsole.accounts.access import console_view
from ssoconsole.accounts.roles import Capability
from ssoconsole.core import urls


@dataclass(frozen=True)
class SPValue:
    key: str
    label: str
    value: str
    entra_field: str


def sp_values(tenant) -> list[SPValue]:
    """Return the tenant's service-provider values, each with the Entra ID field it goes into."""
    return [
        SPValue("entity-id", "Entity ID", urls.sp_entity_id(tenant.id), "Identifier (Entity ID)"),
        SPValue("acs-url", "Assertion Consumer Service (ACS) URL", urls.sp_acs_url(tenant.id), "Reply URL (Assertion Consumer Service URL)"),
        SPValue("login-url", "Login URL", urls.login_url(), "Sign on URL"),
    ]


@console_view(Capability.IDENTITY_MANAGE)
def identity_management(request):
    return render(
        request,
        "console/identity/index.html",
        {
            "metadata_url": urls.sp_metadata_url(request.tenant.id),
            "sp_values": sp_values(request.tenant),
        },
    )
