"""Which organizations use a provider ("Organizations in use"), built on tenancy's services.

The tree lives in tenancy; this module only decides which orgs to switch
and asks ``tenancy.services.set_org_sso`` to do it, so every org change is
validated and audited in one place. The tutorial's order works as expected:
apply the provider to a test org first, later tick the top org and every org
that inherits follows.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from ssoconsole.audit.log import record
from ssoconsole.sso.errors import OrgsConflictingChoice
from ssoconsole.sso.models import AuthProvider
from ssoconsole.tenancy.errors import OrgTopCannotInherit
from ssoconsole.tenancy.models import Organization, SSOMode
from ssoconsole.tenancy.services import org_tree, orgs_by_ids, orgs_using_provider, set_org_sso


def orgs_in_use(provider: AuthProvider) -> list[tuple[Organization, bool]]:
    """Return every org whose effective setting is ``provider``, with whether it is set directly (not inherited)."""
    return [
        (org, eff.source_org_id == org.id)
        for org, _depth, eff in org_tree(provider.tenant)
        if eff.uses_sso and eff.provider_id == provider.id
    ]


def orgs_in_use_count(provider: AuthProvider) -> int:
    """Return how many orgs sign in with ``provider``, directly or by inheritance (the count on the screen)."""
    return len(orgs_in_use(provider))


@transaction.atomic
def set_orgs_in_use(
    provider: AuthProvider,
    org_ids: Iterable,
    *,
    inherit_org_ids: Iterable = (),
    actor=None,
    request=None,
) -> int:
    """Make exactly ``org_ids`` use ``provider`` directly; return the orgs-in-use count afterwards.

    Selected orgs get mode ``provider`` with this provider. Orgs that used
    it directly but are no longer selected go back to ``inherit`` (the top
    org, which has nothing to inherit from, to ``none``). ``inherit_org_ids``
    are orgs the administrator switched to "Inherits settings" in the same
    edit, whatever they had before.
    """
    tenant = provider.tenant
    org_ids, inherit_org_ids = list(org_ids or ()), list(inherit_org_ids or ())
    selected = {o.id: o for o in orgs_by_ids(tenant, org_ids)}
    inheriting = {o.id: o for o in orgs_by_ids(tenant, inherit_org_ids)}
    both = set(selected) & set(inheriting)
    if both:
        raise OrgsConflictingChoice(
            "An organization cannot both use the provider and inherit its setting: "
            + ", ".join(sorted(selected[i].name for i in both))
            + ". Choose one for each.",
            field="inheritOrgIds",
        )
    top = [o for o in inheriting.values() if o.is_top]
    if top:
        raise OrgTopCannotInherit(
            f"The top organization “{top[0].name}” has no parent to inherit from. Select it to use the provider for "
            "everyone, or leave it out.",
            field="inheritOrgIds",
        )
    before = sorted(str(o.id) for o in orgs_using_provider(tenant, provider.id))
    for org in selected.values():
        if not (org.sso_mode == SSOMode.PROVIDER and org.sso_provider_id == provider.id):
            set_org_sso(org, SSOMode.PROVIDER, provider.id, actor=actor, request=request)
    for org in orgs_using_provider(tenant, provider.id):
        if org.id not in selected and org.id not in inheriting:
            set_org_sso(
                org, SSOMode.NONE if org.is_top else SSOMode.INHERIT, actor=actor, request=request
            )
    for org in inheriting.values():
        if org.sso_mode != SSOMode.INHERIT:
            set_org_sso(org, SSOMode.INHERIT, actor=actor, request=request)
    after = sorted(str(o.id) for o in orgs_using_provider(tenant, provider.id))
    count = orgs_in_use_count(provider)
    if before != after or inheriting:
        record(
            "auth_provider.orgs_changed",
            tenant=tenant,
            actor=actor,
            target=provider,
            data={
                "before": {"orgIds": before},
                "after": {
                    "orgIds": after,
                    "inheritOrgIds": sorted(map(str, inheriting)),
                    "orgsInUse": count,
                },
            },
            request=request,
        )
    return count
