"""Provisioned users: SCIM Users mapped onto console users.

``userName`` is the console username (the same rule as single sign-on: they
must match), ``name.givenName``/``name.familyName`` the first and last name,
the work e-mail (else the primary, else the first) the e-mail address,
``active`` the active flag, and the organization comes from the tenant's
placement rules. Everything else the client sends is kept in the SCIM
document and returned as sent.

Deprovisioning (``active`` false, or DELETE) deactivates and never deletes:
sessions and agent tokens stop at once (``accounts.services.set_active``),
or after the tenant's delay. A user deleted through SCIM is gone for SCIM
and kept, inactive, in the console; a later POST with the same userName
brings back that same console user. The tenant's last active Identity
Management Administrator cannot be deprovisioned through SCIM.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Prefetch
from scim2_models import Context

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import User
from ssoconsole.accounts.roles import Role
from ssoconsole.accounts.username_rule import UsernameRefused, check_username
from ssoconsole.audit.log import record
from ssoconsole.core import clock
from ssoconsole.core.errors import DomainError
from ssoconsole.scim import common, counts, placement, queries, schema
from ssoconsole.scim.common import ACTOR
from ssoconsole.scim.errors import ScimError
from ssoconsole.scim.models import ScimEmail, ScimMembership, ScimUser
from ssoconsole.scim.patch import apply_operation, parse_operations


def not_found(user_id) -> ScimError:
    return ScimError(
        "scim.not_found",
        f"No user with id {str(user_id)[:64]} in this tenant (it may have been deleted through SCIM).",
    )


def _live(tenant):
    return ScimUser.objects.filter(tenant=tenant, deleted_at__isnull=True)


def get(tenant, user_id, *, for_update: bool = False) -> ScimUser:
    import uuid

    try:
        key = uuid.UUID(str(user_id))
    except ValueError:
        raise not_found(user_id) from None
    qs = _live(tenant).select_related("user", "user__tenant", "user__org")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    found = qs.filter(id=key).first()
    if found is None:
        raise not_found(user_id)
    return found


def search(tenant, params) -> tuple[int, list[ScimUser], common.Page]:
    """Return the total, one page of users matching the ``filter`` parameter, and the page."""
    node = common.filter_of(params)
    page = common.page_of(params)
    qs = queries.filter_users(ScimUser.objects.filter(deleted_at__isnull=True), tenant, node)
    # Unfiltered, the total is the tenant's kept count (scim.counts), not a walk of all its rows.
    count = qs.count if node is not None else lambda: counts.live_count(tenant)
    if page.count == 0:
        return count(), [], page
    # The page's ids first, from one table and its (tenant, created_at, id) index; then those
    # rows with their console users and groups. Joining first lets a planner sort the whole tenant.
    ids = list(
        qs.order_by("created_at", "id").values_list("id", flat=True)[
            page.start_index - 1 : page.start_index - 1 + page.count
        ]
    )
    # A page that is not full and not empty ends the list: its position is the count, and a
    # selective filter (Entra's userName eq) costs one query instead of two.
    if ids and len(ids) < page.count:
        total = page.start_index - 1 + len(ids)
    else:
        total = count()
    found = (
        ScimUser.objects.filter(id__in=ids)
        .select_related("user")
        .prefetch_related(
            Prefetch("memberships", queryset=ScimMembership.objects.select_related("group"))
        )
        .in_bulk()
    )
    rows = [found[i] for i in ids if i in found]
    return total, rows, page


# --- reading ----------------------------------------------------------------------------------


def full_document(scim_user: ScimUser) -> dict:
    """Return the resource as served: the stored document with the console's truth and meta on top."""
    doc = dict(scim_user.document)
    base = schema.base_url(scim_user.tenant_id)
    doc["id"] = str(scim_user.id)
    doc["userName"] = scim_user.user.username
    doc["active"] = scim_user.user.is_active and scim_user.deactivate_at is None
    if scim_user.external_id:
        doc["externalId"] = scim_user.external_id
    groups = [
        {
            "value": str(m.group_id),
            "display": m.group.display_name,
            "$ref": f"{base}/Groups/{m.group_id}",
        }
        for m in scim_user.memberships.all()
    ]
    if groups:
        doc["groups"] = groups
    doc["meta"] = {
        "resourceType": "User",
        "created": scim_user.created_at,
        "lastModified": scim_user.updated_at,
        "location": f"{base}/Users/{scim_user.id}",
        "version": common.etag(scim_user.version),
    }
    return doc


def render(scim_user: ScimUser, attributes=None, excluded=None) -> dict:
    return common.shaped(schema.UserResource, full_document(scim_user), attributes, excluded)


# --- writing ----------------------------------------------------------------------------------


def _prepare(body: dict, tenant) -> dict:
    """Drop what is never stored (password, read-only attributes) and give ``manager`` its $ref."""
    body = {k: v for k, v in body.items() if k.lower() not in ("password", "groups", "id", "meta")}
    for key, value in body.items():
        if key.lower() == schema.ENTERPRISE.lower() and isinstance(value, dict):
            _fill_manager_ref(value, tenant)
    return body


def _fill_manager_ref(extension: dict, tenant) -> None:
    for key in list(extension):
        if key.lower() != "manager":
            continue
        manager = extension[key]
        if isinstance(manager, str):
            manager = {"value": manager} if manager else None
        if isinstance(manager, dict) and manager.get("value") and not manager.get("$ref"):
            manager["$ref"] = f"{schema.base_url(tenant.id)}/Users/{manager['value']}"
        if manager is None:
            extension.pop(key)
        else:
            extension[key] = manager


def _validated(body: dict, tenant, context: Context) -> dict:
    resource = common.validate(schema.UserResource, _prepare(body, tenant), context)
    return common.document_of(resource)


def _email(doc: dict) -> str:
    emails = [e for e in doc.get("emails") or [] if isinstance(e, dict) and e.get("value")]
    for rule in (lambda e: (e.get("type") or "").lower() == "work", lambda e: e.get("primary")):
        for email in emails:
            if rule(email):
                return email["value"]
    return emails[0]["value"] if emails else ""


def _extension(doc: dict, urn: str) -> dict:
    return doc.get(urn) or {}


def _columns(scim_user: ScimUser, doc: dict) -> None:
    scim_user.external_id = (doc.pop("externalId", None) or "")[:254]
    doc.pop("userName", None)
    doc.pop("active", None)
    scim_user.document = doc
    scim_user.department = (_extension(doc, schema.ENTERPRISE).get("department") or "")[:254]
    scim_user.org_name = (_extension(doc, schema.CONSOLE).get("orgName") or "")[:254]


def _email_rows(scim_user: ScimUser) -> None:
    ScimEmail.objects.filter(scim_user=scim_user).delete()
    rows = [
        ScimEmail(
            scim_user=scim_user,
            type=(e.get("type") or "").lower()[:32],
            value=e["value"].lower()[:254],
            primary=bool(e.get("primary")),
        )
        for e in (scim_user.document.get("emails") or [])[:20]
        if isinstance(e, dict) and isinstance(e.get("value"), str)
    ]
    ScimEmail.objects.bulk_create(rows)


def _console_fields(tenant, scim_user: ScimUser, doc_name: dict) -> dict:
    return {
        "first_name": (doc_name.get("givenName") or ""),
        "last_name": (doc_name.get("familyName") or ""),
        "email": _email(scim_user.document),
        "org": placement.org_for(
            tenant,
            department=scim_user.department,
            org_name=scim_user.org_name,
            scim_user=scim_user,
        ),
    }


def _sync_console(tenant, scim_user: ScimUser, username: str, active) -> None:
    """Bring the console user in line with the SCIM document (only what changed is written)."""
    user = scim_user.user
    wanted = _console_fields(tenant, scim_user, scim_user.document.get("name") or {})
    wanted["username"] = username
    changes = {}
    for field, value in wanted.items():
        current = getattr(user, field)
        if field == "username":
            if value != current:
                changes[field] = value
        elif field == "org":
            if value.id != user.org_id:
                changes[field] = value
        elif (value or "").strip() != current:
            changes[field] = value
    if changes:
        try:
            accounts.update_user(user, actor_label=ACTOR, **changes)
        except DomainError as exc:
            raise common.translate(exc) from None
    if active is not None:
        _set_active(tenant, scim_user, bool(active))


def _is_last_identity_admin(user: User) -> bool:
    if not user.is_active or Role.IDENTITY_ADMIN not in user.role_names:
        return False
    others = (
        User.objects.filter(
            tenant_id=user.tenant_id, is_active=True, roles__role=Role.IDENTITY_ADMIN
        )
        .exclude(id=user.id)
        .exclude(scim_identity__deactivate_at__isnull=False)
    )
    return not others.exists()


def _refuse_last_admin(user: User) -> None:
    if _is_last_identity_admin(user):
        raise ScimError(
            "scim.last_identity_admin",
            f"{user.username} is the tenant's last active Identity Management Administrator: "
            "deprovisioning them would lock the tenant out of its sign-in settings. Give another "
            "user the identity-admin role in the console first, then retry.",
            field="active",
        )


def _set_active(tenant, scim_user: ScimUser, active: bool) -> None:
    user = scim_user.user
    if active:
        if scim_user.deactivate_at is not None:
            scim_user.deactivate_at = None
            scim_user.save(update_fields=["deactivate_at"])
        if not user.is_active:
            accounts.set_active(user, True, actor_label=ACTOR)
        return
    if not user.is_active or scim_user.deactivate_at is not None:
        return
    _refuse_last_admin(user)
    delay = placement.settings_of(tenant).deactivation_delay_minutes
    if delay:
        scim_user.deactivate_at = clock.now() + timedelta(minutes=delay)
        scim_user.save(update_fields=["deactivate_at"])
        record(
            "scim.deactivation_scheduled",
            tenant=tenant,
            actor_label=ACTOR,
            target=user,
            data={"deactivateAt": scim_user.deactivate_at.isoformat(), "delayMinutes": delay},
        )
        return
    accounts.set_active(user, False, actor_label=ACTOR)


def apply_due_deactivations(*, now=None, limit: int = 500) -> int:
    """Deactivate the users whose deprovisioning delay has passed; return how many."""
    now = now or clock.now()
    done = 0
    due = ScimUser.objects.filter(deactivate_at__lte=now).select_related("user", "user__tenant")
    for scim_user in due[:limit]:
        with transaction.atomic():
            scim_user.deactivate_at = None
            scim_user.save(update_fields=["deactivate_at"])
            if scim_user.user.is_active:
                accounts.set_active(scim_user.user, False, actor_label=ACTOR)
                done += 1
    return done


def _touch(scim_user: ScimUser, *, created: bool = False) -> None:
    now = clock.now()
    if created:
        scim_user.created_at = now
    else:
        scim_user.version += 1
    scim_user.updated_at = now


def _username_of(doc: dict) -> str:
    """Return ``userName`` if it obeys the console's username rule (nothing is trimmed or folded)."""
    try:
        return check_username(doc.get("userName"))
    except UsernameRefused as refused:
        raise ScimError(
            "scim.invalid_value", f"userName: {refused.message}", field="userName"
        ) from None


@transaction.atomic
def create(tenant, body) -> ScimUser:
    """POST /Users: a new console user, or the same console user linked again (see the module doc)."""
    doc = _validated(body, tenant, Context.RESOURCE_CREATION_REQUEST)
    username = _username_of(doc)
    active = doc.get("active", True)
    existing = accounts.find_user_by_username(username)
    if existing is not None and existing.tenant_id != tenant.id:
        raise ScimError(
            "scim.uniqueness",
            "userName is already used by a user of another tenant (usernames are unique across the "
            "deployment); choose another userName.",
            field="userName",
        )
    linked = (
        ScimUser.objects.select_for_update().filter(user=existing).first() if existing else None
    )
    if linked is not None and linked.deleted_at is None:
        raise ScimError(
            "scim.uniqueness",
            f"userName is already provisioned as user {linked.id}; update that user instead "
            f'(GET /Users?filter=userName eq "{username}").',
            field="userName",
        )
    adopted = existing is not None
    scim_user = linked or ScimUser(tenant=tenant)
    _columns(scim_user, doc)
    _touch(scim_user, created=linked is None)
    scim_user.deleted_at = None
    if existing is None:
        fields = _console_fields(tenant, scim_user, scim_user.document.get("name") or {})
        try:
            existing = accounts.create_user(
                tenant,
                username,
                org=fields["org"],
                first_name=fields["first_name"],
                last_name=fields["last_name"],
                email=fields["email"],
                roles=[Role.USER],
                actor_label=ACTOR,
            )
        except DomainError as exc:
            raise common.translate(exc) from None
    scim_user.user = existing
    scim_user.save()
    _email_rows(scim_user)
    record(
        "scim.user_linked" if adopted else "scim.user_provisioned",
        tenant=tenant,
        actor_label=ACTOR,
        target=existing,
        data={"scimId": str(scim_user.id), "externalId": scim_user.external_id},
    )
    _sync_console(tenant, scim_user, username, active)
    counts.adjust(tenant.id, +1)  # last: the count row's lock is held only until the commit
    return scim_user


@transaction.atomic
def replace(tenant, user_id, body, *, if_match=None) -> ScimUser:
    """PUT /Users/{id}: the document is replaced; an absent ``active`` leaves the flag alone."""
    scim_user = get(tenant, user_id, for_update=True)
    common.check_version(scim_user.version, if_match)
    doc = _validated(body, tenant, Context.RESOURCE_REPLACEMENT_REQUEST)
    username = _username_of(doc)
    active = doc.get("active")
    _columns(scim_user, doc)
    _touch(scim_user)
    scim_user.save()
    _email_rows(scim_user)
    _sync_console(tenant, scim_user, username, active)
    return scim_user


@transaction.atomic
def patch(tenant, user_id, body, *, if_match=None) -> ScimUser:
    """PATCH /Users/{id}: operations applied to the document, then validated as a whole."""
    operations = parse_operations(body)
    scim_user = get(tenant, user_id, for_update=True)
    common.check_version(scim_user.version, if_match)
    doc = dict(scim_user.document)
    doc["userName"] = scim_user.user.username
    if scim_user.external_id:
        doc["externalId"] = scim_user.external_id
    before_active = doc["active"] = scim_user.user.is_active and scim_user.deactivate_at is None
    for op, path, value in operations:
        apply_operation(doc, op, path, value, schema.CORE_USER)
    doc = _validated(doc, tenant, Context.RESOURCE_REPLACEMENT_REQUEST)
    username = _username_of(doc)
    active = doc.get("active")
    _columns(scim_user, doc)
    _touch(scim_user)
    scim_user.save()
    _email_rows(scim_user)
    _sync_console(tenant, scim_user, username, None if active == before_active else active)
    return scim_user


@transaction.atomic
def delete(tenant, user_id, *, if_match=None) -> None:
    """DELETE /Users/{id}: gone for SCIM, kept and deactivated in the console."""
    scim_user = get(tenant, user_id, for_update=True)
    common.check_version(scim_user.version, if_match)
    _set_active(tenant, scim_user, False)
    ScimMembership.objects.filter(scim_user=scim_user).delete()
    scim_user.deleted_at = clock.now()
    _touch(scim_user)
    scim_user.save()
    record(
        "scim.user_deleted",
        tenant=tenant,
        actor_label=ACTOR,
        target=scim_user.user,
        data={"scimId": str(scim_user.id), "kept": "inactive in the console"},
    )
    counts.adjust(tenant.id, -1)


def replace_org(tenant, scim_users) -> None:
    """Apply the placement rules again to ``scim_users`` (after their groups changed)."""
    rules = placement.settings_of(tenant)
    for scim_user in scim_users:
        org = placement.org_for(
            tenant,
            department=scim_user.department,
            org_name=scim_user.org_name,
            scim_user=scim_user,
            rules=rules,
        )
        if org.id != scim_user.user.org_id:
            accounts.update_user(scim_user.user, actor_label=ACTOR, org=org)


def deprovisioned(tenant, user_ids) -> set:
    """Return which of ``user_ids`` (console users) were deprovisioned or deleted through SCIM."""
    return set(
        ScimUser.objects.filter(
            tenant=tenant, user_id__in=user_ids, user__is_active=False
        ).values_list("user_id", flat=True)
    ) | set(
        ScimUser.objects.filter(
            tenant=tenant, user_id__in=user_ids, deleted_at__isnull=False
        ).values_list("user_id", flat=True)
    )
