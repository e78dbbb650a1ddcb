"""One JSON-ready description of a provider, used by the REST API and the details page.

Both show the same facts (docs/rules.md#rest-api: ``{id, entityId, ssoUrl,
certificates, ...}``), so they are assembled once, with the camelCase keys
the API uses; the console reads the same dictionary.
"""

from __future__ import annotations

from datetime import datetime

from ssoconsole.core import clock
from ssoconsole.saml.config import BINDING_POST, BINDING_REDIRECT
from ssoconsole.sso.certificates import provider_certificates
from ssoconsole.sso.models import AuthProvider
from ssoconsole.sso.org_usage import orgs_in_use
from ssoconsole.sso.providers import advanced_snapshot, mapping_snapshot
from ssoconsole.sso.sp_identity import sp_urls


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def provider_details(
    provider: AuthProvider, *, now: datetime | None = None, with_orgs: bool = True
) -> dict:
    """Describe ``provider`` for display: metadata, certificates with status, refresh state, mapping, settings, orgs.

    ``ssoUrl`` is the HTTP-Redirect endpoint when there is one (what sign-in
    uses), else the HTTP-POST one. ``with_orgs=False`` skips the org tree
    query for lists of providers.
    """
    now = now or clock.now()
    redirect, post = provider.sso_url_redirect, provider.sso_url_post
    details = {
        "id": str(provider.id),
        "displayName": provider.display_name,
        "entityId": provider.entity_id,
        "ssoUrl": redirect or post,
        "ssoBinding": BINDING_REDIRECT if redirect else BINDING_POST,
        "ssoUrls": {k: v for k, v in ((BINDING_REDIRECT, redirect), (BINDING_POST, post)) if v},
        "certificates": [c.as_dict() for c in provider_certificates(provider, now)],
        "metadataSource": provider.metadata_source,
        "metadataUrl": provider.metadata_url or None,
        "metadataValidUntil": _iso(provider.valid_until),
        "metadataExpired": bool(provider.valid_until and provider.valid_until <= now),
        "nameIdFormats": list(provider.name_id_formats),
        "wantAuthnRequestsSigned": provider.want_authn_requests_signed,
        "lastRefresh": {
            "at": _iso(provider.last_refresh_at),
            "result": provider.last_refresh_result or None,
            "errorCode": provider.last_refresh_error_code or None,
            "errorMessage": provider.last_refresh_error_message or None,
        },
        "nextRefreshAt": _iso(provider.next_refresh_at),
        "attributeMapping": mapping_snapshot(provider),
        "advancedSettings": advanced_snapshot(provider),
        "serviceProvider": sp_urls(provider.tenant),
        "createdAt": _iso(provider.created_at),
        "updatedAt": _iso(provider.updated_at),
    }
    if with_orgs:
        in_use = orgs_in_use(provider)
        details["orgsInUse"] = len(in_use)
        details["orgs"] = [
            {"id": str(o.id), "name": o.name, "direct": direct} for o, direct in in_use
        ]
    return details
