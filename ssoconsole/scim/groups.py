"""Provisioned groups and their members.

Members are provisioned users of the same tenant, stored as rows
(:class:`~ssoconsole.scim.models.ScimMembership`), so that Entra ID's member
PATCHes (``add members``, ``remove members[value eq "…"]``, ``remove members``
with a value list) are single inserts and deletes, never a rewrite of a large
member list. A group mapped to an organization places its members there
(``ssoconsole.scim.placement``); a membership change applies the rules again
to the users it touched.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from scim2_models import Context

from ssoconsole.audit.log import record
from ssoconsole.scim import common, queries, schema, users
from ssoconsole.scim.common import ACTOR
from ssoconsole.scim.errors import ScimError
from ssoconsole.scim.filters import Compare, matches
from ssoconsole.scim.models import GroupOrgMapping, ScimGroup, ScimMembership, ScimUser
from ssoconsole.scim.patch import apply_operation, parse_operations, parse_path

MAX_MEMBERS_PER_REQUEST = 10_000


def not_found(group_id) -> ScimError:
    return ScimError("scim.not_found", f"No group with id {str(group_id)[:64]} in this tenant.")


def get(tenant, group_id, *, for_update: bool = False) -> ScimGroup:
    try:
        key = uuid.UUID(str(group_id))
    except ValueError:
        raise not_found(group_id) from None
    qs = ScimGroup.objects.filter(tenant=tenant)
    if for_update:
        qs = qs.select_for_update()
    found = qs.filter(id=key).first()
    if found is None:
        raise not_found(group_id)
    return found


def search(tenant, params):
    node = common.filter_of(params)
    page = common.page_of(params)
    qs = ScimGroup.objects.filter(tenant=tenant)
    if node is not None:
        qs = qs.filter(queries.group_condition(node))
    total = qs.count()
    if page.count == 0:
        return total, [], page
    rows = list(
        qs.order_by("created_at", "id")[page.start_index - 1 : page.start_index - 1 + page.count]
    )
    return total, rows, page


def render(group: ScimGroup, attributes=None, excluded=None) -> dict:
    base = schema.base_url(group.tenant_id)
    doc = {
        "schemas": [schema.CORE_GROUP],
        "id": str(group.id),
        "displayName": group.display_name,
        "meta": {
            "resourceType": "Group",
            "created": group.created_at,
            "lastModified": group.updated_at,
            "location": f"{base}/Groups/{group.id}",
            "version": common.etag(group.version),
        },
    }
    if group.external_id:
        doc["externalId"] = group.external_id
    wants_members = not (excluded and any(n.lower() == "members" for n in excluded)) and (
        not attributes or any(n.lower().startswith("members") for n in attributes)
    )
    if wants_members:
        members = (
            ScimMembership.objects.filter(group=group)
            .select_related("scim_user__user")
            .order_by("id")
        )
        doc["members"] = [
            {
                "value": str(m.scim_user_id),
                "display": m.scim_user.user.display_name,
                "type": "User",
                "$ref": f"{base}/Users/{m.scim_user_id}",
            }
            for m in members
        ]
    return common.shaped(schema.GroupResource, doc, attributes, excluded)


def _member_ids(tenant, values) -> list[uuid.UUID]:
    """Return the SCIM ids of the users ``values`` name; refuse anything that is not one of ours."""
    if len(values) > MAX_MEMBERS_PER_REQUEST:
        raise ScimError(
            "scim.too_many",
            f"At most {MAX_MEMBERS_PER_REQUEST} members per request; send several.",
        )
    ids = []
    for item in values:
        raw = item.get("value") if isinstance(item, dict) else item
        kind = (item.get("type") or "User") if isinstance(item, dict) else "User"
        if str(kind).lower() != "user":
            raise ScimError(
                "scim.invalid_value",
                f"members: {raw} is a {kind}; only users can be members here (nested groups are not "
                "supported).",
                field="members",
            )
        try:
            ids.append(uuid.UUID(str(raw)))
        except ValueError:
            raise ScimError(
                "scim.invalid_value",
                f"members: “{str(raw)[:64]}” is not the id of a provisioned user.",
                field="members",
            ) from None
    unique = list(dict.fromkeys(ids))
    known = set(
        ScimUser.objects.filter(tenant=tenant, deleted_at__isnull=True, id__in=unique).values_list(
            "id", flat=True
        )
    )
    missing = [str(i) for i in unique if i not in known]
    if missing:
        raise ScimError(
            "scim.invalid_value",
            f"members: no provisioned user has the id {missing[0]} in this tenant; provision the "
            "user before adding them to a group.",
            field="members",
        )
    return unique


def _display_name(doc: dict, tenant, exclude_id=None) -> str:
    name = (doc.get("displayName") or "").strip()
    if not name:
        raise ScimError("scim.invalid_value", "displayName is required.", field="displayName")
    if len(name) > 254:
        raise ScimError(
            "scim.invalid_value", "displayName is at most 254 characters long.", field="displayName"
        )
    clash = ScimGroup.objects.filter(tenant=tenant, display_name_key=name.lower())
    if exclude_id is not None:
        clash = clash.exclude(id=exclude_id)
    if clash.exists():
        raise ScimError(
            "scim.uniqueness",
            f"displayName “{name}” is already used by another group of this tenant; choose another.",
            field="displayName",
        )
    return name


def _validated(body, context) -> dict:
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k.lower() not in ("id", "meta")}
    return common.document_of(common.validate(schema.GroupResource, body, context))


def _changed_members(tenant, group, added, removed) -> None:
    touched = set(added) | set(removed)
    if touched and GroupOrgMapping.objects.filter(tenant=tenant).exists():
        affected = ScimUser.objects.filter(id__in=touched).select_related("user")
        users.replace_org(tenant, affected)
    if touched:
        record(
            "scim.group_members_changed",
            tenant=tenant,
            actor_label=ACTOR,
            target=group,
            data={
                "added": [str(i) for i in list(added)[:50]],
                "removed": [str(i) for i in list(removed)[:50]],
                "addedCount": len(added),
                "removedCount": len(removed),
            },
        )


def _set_members(tenant, group, ids) -> None:
    current = set(ScimMembership.objects.filter(group=group).values_list("scim_user_id", flat=True))
    wanted = set(ids)
    _add(group, wanted - current)
    ScimMembership.objects.filter(group=group, scim_user_id__in=current - wanted).delete()
    _changed_members(tenant, group, wanted - current, current - wanted)


def _add(group, ids) -> None:
    ScimMembership.objects.bulk_create(
        [ScimMembership(group=group, scim_user_id=i) for i in ids], ignore_conflicts=True
    )


def _touch(group, *, created=False) -> None:
    from ssoconsole.core import clock

    now = clock.now()
    if created:
        group.created_at = now
    else:
        group.version += 1
    group.updated_at = now


@transaction.atomic
def create(tenant, body) -> ScimGroup:
    doc = _validated(body, Context.RESOURCE_CREATION_REQUEST)
    group = ScimGroup(tenant=tenant)
    group.display_name = _display_name(doc, tenant)
    group.display_name_key = group.display_name.lower()
    group.external_id = (doc.get("externalId") or "")[:254]
    ids = _member_ids(tenant, doc.get("members") or [])
    _touch(group, created=True)
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:
        raise ScimError("scim.uniqueness", "This group exists already.", field="id") from None
    record(
        "scim.group_created",
        tenant=tenant,
        actor_label=ACTOR,
        target=group,
        data={"displayName": group.display_name, "externalId": group.external_id},
    )
    _set_members(tenant, group, ids)
    return group


@transaction.atomic
def replace(tenant, group_id, body, *, if_match=None) -> ScimGroup:
    group = get(tenant, group_id, for_update=True)
    common.check_version(group.version, if_match)
    doc = _validated(body, Context.RESOURCE_REPLACEMENT_REQUEST)
    _rename(tenant, group, doc)
    group.external_id = (doc.get("externalId") or "")[:254]
    _touch(group)
    group.save()
    _set_members(tenant, group, _member_ids(tenant, doc.get("members") or []))
    return group


def _rename(tenant, group, doc) -> None:
    name = _display_name(doc, tenant, exclude_id=group.id)
    if name != group.display_name:
        record(
            "scim.group_renamed",
            tenant=tenant,
            actor_label=ACTOR,
            target=group,
            data={"before": {"displayName": group.display_name}, "after": {"displayName": name}},
        )
    group.display_name = name
    group.display_name_key = name.lower()


def _is_members(path: str | None) -> bool:
    return path is not None and path.strip().lower().split("[")[0] in (
        "members",
        schema.CORE_GROUP.lower() + ":members",
    )


def _members_operation(tenant, group, op: str, path: str, value) -> None:
    target = parse_path(path, schema.CORE_GROUP)
    values = value if isinstance(value, list) else ([] if value is None else [value])
    if target.sub is not None:
        raise ScimError(
            "scim.invalid_path",
            f"The path “{path[:120]}” names a sub-attribute of members, which cannot be changed; "
            "add or remove whole members.",
        )
    if op == "add":
        ids = _member_ids(tenant, values)
        current = set(
            ScimMembership.objects.filter(group=group, scim_user_id__in=ids).values_list(
                "scim_user_id", flat=True
            )
        )
        _add(group, [i for i in ids if i not in current])
        _changed_members(tenant, group, [i for i in ids if i not in current], [])
        return
    if op == "replace":
        if target.filter is not None:
            raise ScimError(
                "scim.invalid_path",
                "Replacing filtered members is not supported: remove them, then add the new ones.",
            )
        _set_members(tenant, group, _member_ids(tenant, values))
        return
    memberships = ScimMembership.objects.filter(group=group)
    if target.filter is not None:
        doomed = _filtered_member_ids(group, target.filter)
    elif values:
        doomed = set()
        for item in values:
            raw = item.get("value") if isinstance(item, dict) else item
            try:
                doomed.add(uuid.UUID(str(raw)))
            except ValueError:
                continue  # not one of ours, so not a member: removing it changes nothing
        doomed &= set(
            memberships.filter(scim_user_id__in=doomed).values_list("scim_user_id", flat=True)
        )
    else:
        doomed = set(memberships.values_list("scim_user_id", flat=True))
    memberships.filter(scim_user_id__in=doomed).delete()
    _changed_members(tenant, group, [], doomed)


def _filtered_member_ids(group, node) -> set:
    """Members matching ``members[...]``: an ``value eq`` filter is one indexed lookup."""
    if isinstance(node, Compare) and node.op == "eq" and node.path.attr.lower() == "value":
        try:
            key = uuid.UUID(str(node.value))
        except ValueError:
            return set()
        return set(
            ScimMembership.objects.filter(group=group, scim_user_id=key).values_list(
                "scim_user_id", flat=True
            )
        )
    found = set()
    for member_id, display in ScimMembership.objects.filter(group=group).values_list(
        "scim_user_id", "scim_user__user__username"
    ):
        element = {"value": str(member_id), "display": display, "type": "User"}
        if matches(node, element):
            found.add(member_id)
    return found


@transaction.atomic
def patch(tenant, group_id, body, *, if_match=None) -> ScimGroup:
    operations = parse_operations(body)
    group = get(tenant, group_id, for_update=True)
    common.check_version(group.version, if_match)
    doc = {"displayName": group.display_name}
    if group.external_id:
        doc["externalId"] = group.external_id
    for op, path, value in operations:
        if _is_members(path):
            _members_operation(tenant, group, op, path, value)
            continue
        if not path and isinstance(value, dict):
            rest = {}
            for key, item in value.items():
                if key.lower() == "members":
                    _members_operation(tenant, group, op, "members", item)
                else:
                    rest[key] = item
            value = rest
        apply_operation(doc, op, path, value, schema.CORE_GROUP)
    doc = _validated(doc, Context.RESOURCE_REPLACEMENT_REQUEST)
    _rename(tenant, group, doc)
    group.external_id = (doc.get("externalId") or "")[:254]
    _touch(group)
    group.save()
    return group


@transaction.atomic
def delete(tenant, group_id, *, if_match=None) -> None:
    group = get(tenant, group_id, for_update=True)
    common.check_version(group.version, if_match)
    member_ids = list(
        ScimMembership.objects.filter(group=group).values_list("scim_user_id", flat=True)
    )
    record(
        "scim.group_deleted",
        tenant=tenant,
        actor_label=ACTOR,
        target=group,
        data={"displayName": group.display_name, "memberCount": len(member_ids)},
    )
    had_mapping = GroupOrgMapping.objects.filter(group=group).exists()
    group.delete()
    if had_mapping:
        users.replace_org(tenant, ScimUser.objects.filter(id__in=member_ids).select_related("user"))


def groups_of(tenant):
    return ScimGroup.objects.filter(tenant=tenant).order_by("display_name")
