"""Users: search and filter, create, edit, deactivate and reactivate (each with a confirmation)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.access import console_view
from ssoconsole.accounts.roles import Capability, can, grantable_roles
from ssoconsole.console import queries
from ssoconsole.console.forms.common import org_choices, refusals_shown_on
from ssoconsole.console.forms.users import ROLE_LABELS, USER_FIELDS, UserForm
from ssoconsole.console.views import common
from ssoconsole.console.views.common import get_or_404, paginate, query_without_page
from ssoconsole.tenancy import services as orgs
from ssoconsole.tenancy.models import Organization

STATUS_FILTERS = {"active": True, "inactive": False}


def _uuid_or_none(value: str | None) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None


@console_view(Capability.USERS_VIEW)
def user_list(request):
    """List the tenant's users, 50 a page, searchable by username, name or email."""
    text = request.GET.get("q", "").strip()[:200]
    org_id = _uuid_or_none(request.GET.get("org"))
    status = request.GET.get("status", "")
    # A tenant with thousands of orgs gets no drop-down (megabytes of options); the filter still
    # works from the Organizations page's user counts, which link here with ?org=.
    small_tree = Organization.objects.filter(tenant=request.tenant).count() <= common.WHOLE_TREE_MAX
    org_options = org_choices(request.tenant) if small_tree else []
    org_name = (
        Organization.objects.filter(tenant=request.tenant, id=org_id)
        .values_list("name", flat=True)
        .first()
        if org_id and not small_tree
        else None
    )
    page = paginate(
        request,
        queries.search_users(
            request.tenant, text=text, org_id=org_id, active=STATUS_FILTERS.get(status)
        ),
    )
    queries.load_roles(page.object_list)
    return render(
        request,
        "console/users/list.html",
        {
            "page": page,
            "query": query_without_page(request),
            "q": text,
            # An id that is not one of the tenant's orgs still filters (to nothing) but is not echoed back.
            "org_filter": str(org_id)
            if org_id and (org_name is not None or any(v == str(org_id) for v, _ in org_options))
            else "",
            "org_name": org_name,
            "status": status if status in STATUS_FILTERS else "",
            "org_options": org_options,
            "can_manage": can(request.user, Capability.USERS_MANAGE),
            "filtered": bool(text or org_id or status in STATUS_FILTERS),
        },
    )


@console_view(Capability.USERS_MANAGE)
@require_http_methods(["GET", "POST"])
def user_create(request):
    grantable = grantable_roles(request.user)
    initial_org = request.GET.get("org") or str(orgs.top_org(request.tenant).id)
    form = UserForm(
        request.POST or None,
        tenant=request.tenant,
        grantable=grantable,
        initial={"org": initial_org},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusals_shown_on(form, USER_FIELDS) as call:
            user = accounts.create_user(
                request.tenant,
                data["username"],
                org=orgs.get_org(request.tenant, data["org"]),
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                roles=data["roles"] or None,
                password=data["password"] or None,
                actor=request.user,
                request=request,
            )
        if call.ok:
            messages.success(request, f"User “{user.username}” created.")
            return redirect("console:user_detail", user_id=user.id)
    return render(request, "console/users/form.html", {"form": form, "editing": False})


@console_view(Capability.USERS_VIEW)
def user_detail(request, user_id):
    user = get_or_404(accounts.get_user, request.tenant, user_id)
    show_audit = can(request.user, Capability.AUDIT_VIEW)
    return render(
        request,
        "console/users/detail.html",
        {
            "subject": user,
            "roles": [(r, ROLE_LABELS.get(r, r)) for r in user.role_names],
            "sign_in": orgs.effective_sso_of(user.org),
            "can_manage": can(request.user, Capability.USERS_MANAGE),
            "events": queries.events_about(request.tenant, user.id) if show_audit else None,
            "is_self": user.id == request.user.id,
        },
    )


def _kept_roles(user, grantable: list[str]) -> list[str]:
    """Roles of ``user`` that the editor may not change, and so keeps whatever the form says."""
    return [r for r in user.role_names if r not in grantable]


@console_view(Capability.USERS_MANAGE)
@require_http_methods(["GET", "POST"])
def user_edit(request, user_id):
    user = get_or_404(accounts.get_user, request.tenant, user_id)
    grantable = grantable_roles(request.user)
    kept = _kept_roles(user, grantable)
    initial = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "org": str(user.org_id),
        "local_sign_in": user.local_sign_in,
        "roles": [r for r in user.role_names if r in grantable],
    }
    form = UserForm(
        request.POST or None,
        tenant=request.tenant,
        grantable=grantable,
        editing=True,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        editable = accounts.get_user(request.tenant, user.id)
        with refusals_shown_on(form, USER_FIELDS) as call:
            with transaction.atomic():
                if data["password"]:
                    accounts.validate_password(data["password"])
                accounts.update_user(
                    editable,
                    username=data["username"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    org=orgs.get_org(request.tenant, data["org"]),
                    roles=sorted(set(data["roles"]) | set(kept)),
                    local_sign_in=data["local_sign_in"],
                    actor=request.user,
                    request=request,
                )
                if data["password"]:
                    accounts.set_password(
                        editable, data["password"], actor=request.user, request=request
                    )
        if call.ok:
            messages.success(request, f"Changes to “{editable.username}” saved.")
            return redirect("console:user_detail", user_id=user.id)
    return render(
        request,
        "console/users/form.html",
        {
            "form": form,
            "editing": True,
            "subject": user,
            "kept_roles": [ROLE_LABELS.get(r, r) for r in kept],
        },
    )


def _set_active_view(request, user_id, active: bool):
    """Ask for confirmation on GET; change the user's active flag on POST."""
    user = get_or_404(accounts.get_user, request.tenant, user_id)
    error = None
    if not active and user.id == request.user.id:
        # The service refuses this too; saying so up front avoids offering a button that cannot work.
        error = "You cannot deactivate yourself. Ask another administrator if this account must be closed."
    elif request.method == "POST":
        with refusals_shown_on(None) as call:
            accounts.set_active(user, active, actor=request.user, request=request)
        if call.ok:
            if active:
                messages.success(request, f"“{user.username}” is active again and can sign in.")
            else:
                messages.success(
                    request,
                    f"“{user.username}” is deactivated: signed out everywhere and can no longer sign in.",
                )
            return redirect("console:user_detail", user_id=user.id)
        error = call.message
    return render(
        request,
        "console/users/confirm_active.html",
        {"subject": user, "active": active, "error": error},
        status=400 if error and request.method == "POST" else 200,
    )


@console_view(Capability.USERS_MANAGE)
@require_http_methods(["GET", "POST"])
def user_deactivate(request, user_id):
    return _set_active_view(request, user_id, False)


@console_view(Capability.USERS_MANAGE)
@require_http_methods(["GET", "POST"])
def user_reactivate(request, user_id):
    return _set_active_view(request, user_id, True)
