"""Administration > Integrations > Identity Management: the service provider values and the providers.

Tutorial step 1 needs the service provider metadata URL and the values the
identity provider asks for; they are on the main screen on a first visit and,
once providers exist, in each provider's details (a compact copy stays on the
list). Everything is built from the configured base URL, never from the
request's Host header.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import render

from ssoconsole.accounts.access import console_view
from ssoconsole.accounts.local_users import candidates_of, local_users_of
from ssoconsole.accounts.roles import Capability
from ssoconsole.console.forms.local_users import CANDIDATES_ID, AddLocalUserForm
from ssoconsole.core import clock, urls
from ssoconsole.core.errors import ValidationFailed
from ssoconsole.scim.users import deprovisioned
from ssoconsole.sso import errors as sso_errors
from ssoconsole.sso.certificates import certificate_state
from ssoconsole.sso.providers import get_provider, providers_of
from ssoconsole.tenancy.services import org_tree


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
        SPValue(
            "acs-url",
            "Assertion Consumer Service (ACS) URL",
            urls.sp_acs_url(tenant.id),
            "Reply URL (Assertion Consumer Service URL)",
        ),
        SPValue("login-url", "Login URL", urls.login_url(), "Sign on URL"),
    ]


def provider_or_404(request, provider_id):
    """Return the signed-in tenant's provider; another tenant's id is a 404 like a missing one."""
    try:
        return get_provider(request.tenant, provider_id)
    except (sso_errors.ProviderNotFound, ValidationFailed) as exc:
        raise Http404(exc.message) from None


def certificate_summary(provider, now) -> dict:
    """Return the provider's state for the list: the certificate the IdP signs with, not the worst.

    After a normal rollover the old certificate may linger, expired, in the
    metadata; the provider is healthy, and the badge says so.
    """
    state = certificate_state(provider, now)
    return {"status": state.tone, "label": state.label, "message": state.message}


def card_context(tenant, form: AddLocalUserForm | None = None) -> dict:
    """Return what the "Local users" card needs."""
    local_users = list(local_users_of(tenant))
    return {
        "local_users": local_users,
        "deprovisioned_ids": deprovisioned(tenant, [u.id for u in local_users]),
        "local_user_form": form or AddLocalUserForm(),
        "local_user_candidates": candidates_of(tenant),
        "candidates_id": CANDIDATES_ID,
    }


@console_view(Capability.IDENTITY_MANAGE)
def identity_management(request):
    """Show the SP values, the providers (or the first-visit empty state) and the local users."""
    return identity_page(request)


def identity_page(request, local_user_form: AddLocalUserForm | None = None):
    """Render the Identity Management screen, with a refused "Add local user" form when given.

    A refused add is shown on this same screen (with the error summary at the
    top), not on a page of its own, so the administrator keeps the context.
    """
    tenant = request.tenant
    providers = providers_of(tenant)
    now = clock.now()
    in_use = (
        Counter(eff.provider_id for _, _, eff in org_tree(tenant) if eff.uses_sso)
        if providers
        else Counter()
    )
    rows = [
        {
            "provider": p,
            "orgs_in_use": in_use.get(p.id, 0),
            "certificates": certificate_summary(p, now),
        }
        for p in providers
    ]
    return render(
        request,
        "console/identity/index.html",
        {
            "metadata_url": urls.sp_metadata_url(tenant.id),
            "sp_values": sp_values(tenant),
            "rows": rows,
            **card_context(tenant, local_user_form),
        },
    )
