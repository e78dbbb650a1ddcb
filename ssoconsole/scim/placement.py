"""Which organization a provisioned user belongs in, by the tenant's rules.

In order: the organization named by the chosen attribute (the enterprise
``department`` or ssoconsole's ``orgName``), compared with organization names
of the tenant in any case; then the organization mapped to the first of the
user's groups that has a mapping; then the tenant's default organization;
then the top organization. A name that matches no organization falls
through to the next rule instead of failing the request, so a typo in the
directory does not stop provisioning (the recent-requests list shows where
each user went through the audit log).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from ssoconsole.audit.log import record
from ssoconsole.core.errors import InvalidChoice, OutOfRange
from ssoconsole.scim.errors import ScimGroupNotFound
from ssoconsole.scim.models import (
    GroupOrgMapping,
    PlacementAttribute,
    ProvisioningSettings,
    ScimGroup,
)
from ssoconsole.tenancy.errors import OrgNotFound
from ssoconsole.tenancy.models import Organization
from ssoconsole.tenancy.services import top_org

MAX_DELAY_MINUTES = 7 * 24 * 60


def settings_of(tenant) -> ProvisioningSettings:
    found = ProvisioningSettings.objects.select_related("default_org").filter(tenant=tenant).first()
    return found or ProvisioningSettings(tenant=tenant)


def org_for(tenant, *, department: str, org_name: str, scim_user=None, rules=None) -> Organization:
    """Return the organization a user with these attributes (and groups) goes to."""
    rules = rules or settings_of(tenant)
    wanted = {
        PlacementAttribute.DEPARTMENT: department,
        PlacementAttribute.ORG_NAME: org_name,
    }.get(rules.placement_attribute, "")
    if wanted:
        found = (
            Organization.objects.filter(tenant=tenant, name__iexact=wanted.strip())
            .order_by("created_at")
            .first()
        )
        if found is not None:
            return found
    if scim_user is not None and not scim_user._state.adding:
        mapping = (
            GroupOrgMapping.objects.filter(tenant=tenant, group__memberships__scim_user=scim_user)
            .select_related("org")
            .order_by("position", "id")
            .first()
        )
        if mapping is not None:
            return mapping.org
    if rules.default_org_id is not None:
        return rules.default_org
    return top_org(tenant)


def _org(tenant, org_id, field: str):
    if org_id in (None, ""):
        return None
    try:
        return Organization.objects.get(tenant=tenant, id=org_id)
    except (Organization.DoesNotExist, ValueError, DjangoValidationError):
        raise OrgNotFound("No organization with this id in your tenant.", field=field) from None


@transaction.atomic
def update_rules(
    tenant,
    *,
    placement_attribute: str,
    default_org_id,
    deactivation_delay_minutes,
    actor=None,
    request=None,
) -> ProvisioningSettings:
    """Change the tenant's placement attribute, default organization and deprovisioning delay (audited)."""
    if placement_attribute not in PlacementAttribute.values:
        raise InvalidChoice(
            f"Choose a placement attribute among {', '.join(PlacementAttribute.values)}.",
            field="placementAttribute",
        )
    if (
        not isinstance(deactivation_delay_minutes, int)
        or isinstance(deactivation_delay_minutes, bool)
        or not (0 <= deactivation_delay_minutes <= MAX_DELAY_MINUTES)
    ):
        raise OutOfRange(
            f"The deprovisioning delay is a whole number of minutes from 0 to {MAX_DELAY_MINUTES}.",
            field="deactivationDelayMinutes",
        )
    rules = settings_of(tenant)
    before = _snapshot(rules)
    rules.placement_attribute = placement_attribute
    rules.default_org = _org(tenant, default_org_id, "defaultOrgId")
    rules.deactivation_delay_minutes = deactivation_delay_minutes
    rules.save()
    after = _snapshot(rules)
    if after != before:
        record(
            "scim.rules_updated",
            tenant=tenant,
            actor=actor,
            target_type="provisioning",
            target_label="Provisioning rules",
            data={"before": before, "after": after},
            request=request,
        )
    return rules


def _place_members_again(tenant, group) -> None:
    """Apply the rules to the group's members now, so a new mapping moves them at once."""
    from ssoconsole.scim.models import ScimUser
    from ssoconsole.scim.users import replace_org

    members = ScimUser.objects.filter(memberships__group=group, deleted_at__isnull=True)
    replace_org(tenant, members.select_related("user"))


def _snapshot(rules: ProvisioningSettings) -> dict:
    return {
        "placementAttribute": rules.placement_attribute,
        "defaultOrgId": str(rules.default_org_id) if rules.default_org_id else None,
        "deactivationDelayMinutes": rules.deactivation_delay_minutes,
    }


def group_mappings(tenant):
    return GroupOrgMapping.objects.filter(tenant=tenant).select_related("group", "org")


@transaction.atomic
def map_group(tenant, group_id, org_id, *, actor=None, request=None) -> GroupOrgMapping | None:
    """Place members of the group in the organization (``org_id`` empty removes the mapping)."""
    try:
        group = ScimGroup.objects.get(tenant=tenant, id=group_id)
    except (ScimGroup.DoesNotExist, ValueError, DjangoValidationError):
        raise ScimGroupNotFound(
            "No provisioned group with this id in your tenant.",
            field="groupId",
        ) from None
    org = _org(tenant, org_id, "orgId")
    existing = GroupOrgMapping.objects.filter(group=group).first()
    before = str(existing.org_id) if existing else None
    if org is None:
        if existing is not None:
            existing.delete()
        mapping = None
    elif existing is None:
        position = GroupOrgMapping.objects.filter(tenant=tenant).count()
        mapping = GroupOrgMapping.objects.create(
            tenant=tenant, group=group, org=org, position=position
        )
    else:
        existing.org = org
        existing.save(update_fields=["org"])
        mapping = existing
    after = str(org.id) if org else None
    if before != after:
        _place_members_again(tenant, group)
        record(
            "scim.group_mapping_changed",
            tenant=tenant,
            actor=actor,
            target=group,
            data={"before": {"orgId": before}, "after": {"orgId": after}},
            request=request,
        )
    return mapping
