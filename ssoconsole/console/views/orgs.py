"""Organizations: the tree with each org's effective sign-in method, create, rename, move, settings."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.db.models import Count
from django.db.models.expressions import RawSQL
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ssoconsole.accounts.access import console_view
from ssoconsole.accounts.models import User
from ssoconsole.accounts.roles import Capability, can
from ssoconsole.console.forms.common import refusals_shown_on
from ssoconsole.console.forms.orgs import (
    ORG_FIELDS,
    OrgAuthenticationForm,
    OrgCreateForm,
    OrgMoveForm,
    OrgMoveSearchForm,
    OrgRenameForm,
)
from ssoconsole.console.views import common
from ssoconsole.console.views.common import get_or_404, post_only
from ssoconsole.sso.providers import providers_of
from ssoconsole.tenancy import services as orgs
from ssoconsole.tenancy.inheritance import effective_sso
from ssoconsole.tenancy.models import Organization, SSOMode


def describe_effective(effective, names: dict, org_id, provider_names: dict | None = None) -> dict:
    """Say in words how an org's users sign in, with which provider, and which org that setting comes from."""
    inherited = effective.source_org_id != org_id
    return {
        "provider_name": (provider_names or {}).get(effective.provider_id, "")
        if effective.uses_sso
        else "",
        "uses_sso": effective.uses_sso,
        "method": "Single sign-on" if effective.uses_sso else "Local (password)",
        "inherited": inherited,
        "source_id": effective.source_org_id,
        "source_name": names.get(effective.source_org_id, ""),
    }


def own_setting_label(org) -> str:
    if org.sso_mode == SSOMode.INHERIT:
        return "Inherits"
    if org.sso_mode == SSOMode.PROVIDER:
        return "Single sign-on"
    return "Local (password)"


def _user_counts(tenant) -> dict:
    rows = User.objects.filter(tenant=tenant).order_by().values("org_id").annotate(n=Count("id"))
    return {r["org_id"]: r["n"] for r in rows}


# A big tree (more than common.WHOLE_TREE_MAX orgs) is shown one level at a time, LEVEL_MAX children
# a page ("Show the next 50"), or as at most SEARCH_MAX search results. 200 children a page took
# 400 ms and 128 KiB at 10,000 orgs.
LEVEL_MAX = 50
SEARCH_MAX = 100


def _user_counts_of(tenant, org_ids) -> dict:
    rows = (
        User.objects.filter(tenant=tenant, org_id__in=org_ids)
        .order_by()
        .values("org_id")
        .annotate(n=Count("id"))
    )
    return {r["org_id"]: r["n"] for r in rows}


def _offset(value) -> int:
    """The ``from`` of a level's page: a position among the children, 0 when absent or malformed."""
    return min(int(value), 10_000_000) if value and value.isdigit() else 0


def _uuid_or_none(value):
    try:
        return UUID(value) if value else None
    except ValueError:
        return None


@console_view(Capability.ORGS_VIEW)
def org_list(request):
    """Show the tree with each org's own and effective sign-in setting: whole, by level, or searched."""
    tenant = request.tenant
    text = request.GET.get("q", "").strip()[:200]
    parent_id = _uuid_or_none(request.GET.get("parent"))
    provider_names = {p.id: p.display_name for p in providers_of(tenant)}
    context = {"can_manage": can(request.user, Capability.ORGS_MANAGE), "q": text}
    if text:
        found = orgs.search_orgs(tenant, text, limit=SEARCH_MAX)
        counts = _user_counts_of(tenant, [o.id for o, _ in found])
        names = {o.id: o.name for o, _ in found}
        sources = {eff.source_org_id for _, eff in found} - names.keys()
        names.update(Organization.objects.filter(id__in=sources).values_list("id", "name"))
        context.update(
            mode="search",
            rows=[_row(o, 0, eff, names, counts, provider_names) for o, eff in found],
            truncated=len(found) >= SEARCH_MAX,
            limit=SEARCH_MAX,
        )
    elif (
        parent_id is not None
        or Organization.objects.filter(tenant=tenant).count() > common.WHOLE_TREE_MAX
    ):
        offset = _offset(request.GET.get("from"))
        level = get_or_404(
            lambda: orgs.org_level(tenant, parent_id, limit=LEVEL_MAX, offset=offset)
        )
        shown = [level.org] + [c for c, _, _ in level.children]
        counts = _user_counts_of(tenant, [o.id for o in shown])
        names = {o.id: o.name for o in [*level.path, *shown]}
        rows = [_row(level.org, 0, level.effective, names, counts, provider_names)]
        for child, eff, grandchildren in level.children:
            row = _row(child, 1, eff, names, counts, provider_names)
            row["children"] = grandchildren
            rows.append(row)
        context.update(
            mode="level",
            rows=rows,
            path=level.path,
            level=level,
            level_size=LEVEL_MAX,
            first_shown=level.offset + 1,
            last_shown=level.offset + len(level.children),
            next_from=level.offset + LEVEL_MAX if level.more_children else None,
            previous_from=max(0, level.offset - LEVEL_MAX) if level.offset else None,
        )
    else:
        tree = orgs.org_tree(tenant)
        names = {org.id: org.name for org, _, _ in tree}
        counts = _user_counts(tenant)
        context.update(
            mode="tree",
            rows=[_row(org, depth, eff, names, counts, provider_names) for org, depth, eff in tree],
        )
    return render(request, "console/orgs/list.html", context)


def _row(org, depth, effective, names, counts, provider_names) -> dict:
    return {
        "org": org,
        "depth": depth,
        "own": own_setting_label(org),
        "effective": describe_effective(effective, names, org.id, provider_names),
        "users": counts.get(org.id, 0),
    }


@console_view(Capability.ORGS_MANAGE)
@require_http_methods(["GET", "POST"])
def org_create(request):
    tree = orgs.org_tree(request.tenant)
    form = OrgCreateForm(
        request.POST or None, tree=tree, initial_parent=request.GET.get("parent") or tree[0][0].id
    )
    if request.method == "POST" and form.is_valid():
        with refusals_shown_on(form, ORG_FIELDS) as call:
            org = orgs.create_org(
                request.tenant,
                form.cleaned_data["name"],
                parent_id=form.cleaned_data["parent"],
                actor=request.user,
                request=request,
            )
        if call.ok:
            messages.success(
                request,
                f"Organization “{org.name}” created. It inherits its sign-in method from its parent.",
            )
            return redirect("console:org_detail", org_id=org.id)
    return render(request, "console/orgs/create.html", {"form": form})


def _affected_users(tenant, reach: tuple[str, list]) -> dict:
    """Active users (and local ones) of the orgs in ``reach``, each count stopping at COUNT_MAX."""
    users = User.objects.filter(tenant=tenant, org_id__in=RawSQL(*reach), is_active=True)
    return {
        "total": users[: common.COUNT_MAX + 1].count(),
        "local": users.filter(local_sign_in=True)[: common.COUNT_MAX + 1].count(),
    }


def _auth_form(data, org, context, providers):
    return OrgAuthenticationForm(
        data,
        org=org,
        inherited_label=context["inherited_label"],
        providers=providers,
        current_provider_id=context["effective_provider_id"],
        parent_provider_id=context["parent_provider_id"],
    )


# The detail page names at most this many sub-organizations (the Organizations page lists them all)
# and offers at most MOVE_RESULTS_MAX orgs found by the Move form's search.
CHILDREN_SHOWN = 50
MOVE_RESULTS_MAX = 20


def _big_tree(tenant) -> bool:
    return Organization.objects.filter(tenant=tenant).count() > common.WHOLE_TREE_MAX


def _move_form(request, org, bound=None):
    """The Move form: a drop-down of the whole tree when it is small, a search beyond WHOLE_TREE_MAX."""
    if not _big_tree(request.tenant):
        return bound or OrgMoveForm(tree=orgs.org_tree(request.tenant), org=org)
    form = bound or OrgMoveSearchForm(org=org, data=None)
    text = (form.data.get("move_q") if form.is_bound else request.GET.get("move_q", "")) or ""
    text = text.strip()[:200]
    form.search_text = text
    form.results = orgs.move_targets(org, text, limit=MOVE_RESULTS_MAX) if text else []
    form.more_results = len(form.results) >= MOVE_RESULTS_MAX
    form.set_results(form.results)
    return form


def _detail_context(request, org, **forms) -> dict:
    """Build the settings page of ``org``; bound forms passed in replace the blank ones.

    A few indexed queries whatever the size of the tree: the path and the
    inherited setting from the ancestors, the first children, the reach of
    an SSO change from a recursive query, and (for a big tree) a search
    instead of a drop-down of every org for the Move form.
    """
    tenant = request.tenant
    path, settings_by_id = orgs.org_path(org)
    names = {o.id: o.name for o in path} | {org.id: org.name}
    provider_names = {p.id: p.display_name for p in providers_of(tenant)}
    effective = effective_sso(org.id, settings_by_id)
    parent_effective = effective_sso(org.parent_id, settings_by_id) if org.parent_id else None
    can_manage = can(request.user, Capability.ORGS_MANAGE)
    can_sso = can(request.user, Capability.ORGS_SSO)
    inherited_label = ""
    if parent_effective is not None:
        parent_says = describe_effective(parent_effective, names, org.parent_id, provider_names)
        method = parent_says["method"] + (
            f" with {parent_says['provider_name']}" if parent_says["provider_name"] else ""
        )
        inherited_label = f"{method}, set on {parent_says['source_name']}"
    children = list(Organization.objects.filter(tenant=tenant, parent=org)[: CHILDREN_SHOWN + 1])
    users = User.objects.filter(tenant=tenant, org=org)[: common.COUNT_MAX + 1].count()
    context = {
        "org": org,
        "path": path,
        "children": children[:CHILDREN_SHOWN],
        "more_children": len(children) > CHILDREN_SHOWN,
        "users": min(users, common.COUNT_MAX),
        "users_capped": users > common.COUNT_MAX,
        "own": own_setting_label(org),
        "effective": describe_effective(effective, names, org.id, provider_names),
        "can_manage": can_manage,
        "can_sso": can_sso,
        "can_identity": can(request.user, Capability.IDENTITY_MANAGE),
        "can_manage_users": can(request.user, Capability.USERS_MANAGE),
        "providers": list(provider_names.items()) if can_sso else [],
        "inherited_label": inherited_label,
        "effective_provider_id": effective.provider_id if effective.uses_sso else None,
        "parent_provider_id": parent_effective.provider_id
        if parent_effective and parent_effective.uses_sso
        else None,
    }
    if can_manage:
        context["rename_form"] = forms.get("rename_form") or OrgRenameForm(
            initial={"name": org.name}
        )
        if not org.is_top:
            context["move_form"] = _move_form(request, org, forms.get("move_form"))
            context["move_search"] = isinstance(context["move_form"], OrgMoveSearchForm)
    if can_sso:
        context["auth_form"] = forms.get("auth_form") or _auth_form(
            None, org, context, context["providers"]
        )
        context["affected"] = _affected_users(tenant, orgs.sso_reach_query(org))
        context["count_limit"] = common.COUNT_MAX
    return context


@console_view(Capability.ORGS_VIEW)
def org_detail(request, org_id):
    org = get_or_404(orgs.get_org, request.tenant, org_id)
    return render(request, "console/orgs/detail.html", _detail_context(request, org))


@console_view(Capability.ORGS_MANAGE)
@post_only
def org_rename(request, org_id):
    org = get_or_404(orgs.get_org, request.tenant, org_id)
    form = OrgRenameForm(request.POST)
    if form.is_valid():
        old = org.name
        with refusals_shown_on(form, ORG_FIELDS) as call:
            orgs.rename_org(org, form.cleaned_data["name"], actor=request.user, request=request)
        if call.ok:
            messages.success(request, f"Renamed “{old}” to “{org.name}”.")
            return redirect("console:org_detail", org_id=org.id)
    return render(
        request, "console/orgs/detail.html", _detail_context(request, org, rename_form=form)
    )


@console_view(Capability.ORGS_MANAGE)
@post_only
def org_move(request, org_id):
    org = get_or_404(orgs.get_org, request.tenant, org_id)
    if _big_tree(request.tenant):
        form = OrgMoveSearchForm(org=org, data=request.POST)
    else:
        form = OrgMoveForm(request.POST, tree=orgs.org_tree(request.tenant), org=org)
    if form.is_valid():
        with refusals_shown_on(form, ORG_FIELDS) as call:
            orgs.move_org(org, form.cleaned_data["parent"], actor=request.user, request=request)
        if call.ok:
            messages.success(request, f"Moved “{org.name}” under “{org.parent.name}”.")
            return redirect("console:org_detail", org_id=org.id)
    return render(
        request, "console/orgs/detail.html", _detail_context(request, org, move_form=form)
    )


@console_view(Capability.ORGS_SSO)
@post_only
def org_authentication(request, org_id):
    """Set the org's own sign-in method through ``tenancy.services.set_org_sso``."""
    org = get_or_404(orgs.get_org, request.tenant, org_id)
    context = _detail_context(request, org)
    form = _auth_form(request.POST, org, context, context["providers"])
    if form.is_valid():
        mode, provider_id = form.mode_and_provider()
        with refusals_shown_on(form, ORG_FIELDS) as call:
            orgs.set_org_sso(org, mode, provider_id, actor=request.user, request=request)
        if call.ok:
            messages.success(
                request,
                f"Sign-in method of “{org.name}” saved: its users now sign in with "
                f"{describe_effective(orgs.effective_sso_of(org), {}, org.id)['method'].lower()}.",
            )
            return redirect("console:org_detail", org_id=org.id)
    context["auth_form"] = form
    return render(request, "console/orgs/detail.html", context)
