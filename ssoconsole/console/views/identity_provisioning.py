"""Identity Management › Provisioning: what Entra ID needs (Tenant URL, Secret Token) and the rules.

A Secret Token is shown once, on the page that answers the POST that made it
(never stored in the session or a message), and only its hash is kept. The
page also lists the tenant's recent SCIM requests with their results, so an
administrator can match them with the identity provider's provisioning log.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ssoconsole.accounts.access import console_view
from ssoconsole.accounts.roles import Capability
from ssoconsole.console.forms.common import refusals_shown_on
from ssoconsole.console.forms.provisioning import GroupOrgForm, RulesForm, ScimTokenForm
from ssoconsole.core.errors import NotFound
from ssoconsole.scim import placement, requestlog
from ssoconsole.scim.groups import groups_of
from ssoconsole.scim.schema import base_url
from ssoconsole.scim.tokens import create_token, get_token, revoke_token, tokens_of


def _context(request, *, token_form=None, rules_form=None, new_token=None) -> dict:
    tenant = request.tenant
    rules = placement.settings_of(tenant)
    mapped = {m.group_id: m.org_id for m in placement.group_mappings(tenant)}
    groups = list(groups_of(tenant)[:200])
    return {
        "tenant_url": base_url(tenant.id),
        "tokens": list(tokens_of(tenant)),
        "token_form": token_form or ScimTokenForm(),
        "new_token": new_token,
        "rules_form": rules_form
        or RulesForm(
            tenant,
            initial={
                "placement_attribute": rules.placement_attribute,
                "default_org": str(rules.default_org_id or ""),
                "deactivation_delay_minutes": rules.deactivation_delay_minutes,
            },
        ),
        "group_rows": [
            (
                g,
                GroupOrgForm(
                    tenant, initial={"org": str(mapped.get(g.id) or "")}, prefix=str(g.id)
                ),
            )
            for g in groups
        ],
        "requests": list(requestlog.recent(tenant)),
    }


@console_view(Capability.IDENTITY_MANAGE)
def provisioning(request):
    """Show the Tenant URL, the tokens, the placement rules, the group mappings and recent requests."""
    return render(request, "console/identity/provisioning.html", _context(request))


@console_view(Capability.IDENTITY_MANAGE)
@require_POST
def provisioning_token_create(request):
    """Generate a Secret Token and show it once, on this response only."""
    form = ScimTokenForm(request.POST)
    if form.is_valid():
        with refusals_shown_on(form, {"name": "name"}) as call:
            raw, token = create_token(
                request.tenant, name=form.cleaned_data["name"], actor=request.user, request=request
            )
        if call.ok:
            response = render(
                request,
                "console/identity/provisioning.html",
                _context(request, new_token={"raw": raw, "record": token}),
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "console/identity/provisioning.html", _context(request, token_form=form))


@console_view(Capability.IDENTITY_MANAGE)
@require_POST
def provisioning_token_revoke(request, scim_token_id):
    try:
        token = get_token(request.tenant, scim_token_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    revoke_token(token, actor=request.user, request=request)
    messages.success(
        request,
        f"The token {token.prefix}… is revoked: the identity provider's next request with it is "
        "refused. Paste a valid token into the identity provider if provisioning should go on.",
    )
    return redirect("console:identity_provisioning")


@console_view(Capability.IDENTITY_MANAGE)
@require_POST
def provisioning_rules(request):
    form = RulesForm(request.tenant, request.POST)
    if form.is_valid():
        fields = {
            "placementAttribute": "placement_attribute",
            "defaultOrgId": "default_org",
            "deactivationDelayMinutes": "deactivation_delay_minutes",
        }
        with refusals_shown_on(form, fields) as call:
            placement.update_rules(
                request.tenant,
                placement_attribute=form.cleaned_data["placement_attribute"],
                default_org_id=form.cleaned_data["default_org"] or None,
                deactivation_delay_minutes=form.cleaned_data["deactivation_delay_minutes"],
                actor=request.user,
                request=request,
            )
        if call.ok:
            messages.success(
                request,
                "Placement rules saved. They apply to users as SCIM next creates or changes them.",
            )
            return redirect("console:identity_provisioning")
    return render(request, "console/identity/provisioning.html", _context(request, rules_form=form))


@console_view(Capability.IDENTITY_MANAGE)
@require_POST
def provisioning_group_org(request, group_id):
    form = GroupOrgForm(request.tenant, request.POST, prefix=str(group_id))
    if not form.is_valid():
        messages.error(request, "Choose one of the organizations listed.")
        return redirect("console:identity_provisioning")
    try:
        placement.map_group(
            request.tenant,
            group_id,
            form.cleaned_data["org"] or None,
            actor=request.user,
            request=request,
        )
    except NotFound as exc:
        raise Http404(exc.message) from None
    messages.success(
        request, "Group mapping saved; the group's members are placed by the rules again."
    )
    return redirect("console:identity_provisioning")
