"""A provider's settings pages: Attribute Mapping (step 4), Organizations in use (steps 5-6), advanced SAML.

Each saves through its ``ssoconsole.sso`` service, which audits the values
before and after; the org choices go through ``org_usage.set_orgs_in_use``
and so through ``tenancy.services.set_org_sso`` for every org it touches.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ssoconsole.accounts.access import console_view
from ssoconsole.accounts.roles import Capability
from ssoconsole.console.forms.common import refusals_shown_on
from ssoconsole.console.forms.identity import PROVIDER_FIELDS, AttributeMappingForm
from ssoconsole.console.forms.identity_advanced import ADVANCED_FIELDS, AdvancedSettingsForm
from ssoconsole.console.views.identity import provider_or_404
from ssoconsole.console.views.orgs import describe_effective
from ssoconsole.sso import mapping
from ssoconsole.sso.org_usage import set_orgs_in_use
from ssoconsole.sso.providers import providers_of, set_advanced_settings, set_attribute_mapping
from ssoconsole.tenancy.models import SSOMode
from ssoconsole.tenancy.services import org_tree


@console_view(Capability.IDENTITY_MANAGE)
@require_http_methods(["GET", "POST"])
def provider_mapping(request, provider_id):
    provider = provider_or_404(request, provider_id)
    form = AttributeMappingForm(
        request.POST if request.method == "POST" else None,
        initial=AttributeMappingForm.initial_for(provider),
    )
    if request.method == "POST" and form.is_valid():
        with refusals_shown_on(form, PROVIDER_FIELDS) as call:
            set_attribute_mapping(
                provider, actor=request.user, request=request, **form.service_kwargs()
            )
        if call.ok:
            messages.success(
                request,
                f"Attribute mapping of “{provider.display_name}” saved. It applies from the next "
                "sign-in.",
            )
            return redirect("console:identity_provider", provider_id=provider.id)
    return render(
        request,
        "console/identity/mapping.html",
        {
            "provider": provider,
            "form": form,
            "default_first": mapping.DEFAULT_FIRST_NAME,
            "default_last": mapping.DEFAULT_LAST_NAME,
        },
    )


def _own_label(org, provider, names: dict) -> str:
    if org.sso_mode == SSOMode.INHERIT:
        return "Inherits"
    if org.sso_mode == SSOMode.NONE:
        return "Local (password)"
    if org.sso_provider_id == provider.id:
        return f"SSO with {provider.display_name}"
    return f"SSO with {names.get(org.sso_provider_id, 'another provider')}"


def _org_rows(tenant, provider, *, selected=None, inheriting=None) -> list[dict]:
    """Return the tree with each org's own and effective setting and what the form should tick."""
    tree = org_tree(tenant)
    org_names = {o.id: o.name for o, _, _ in tree}
    provider_names = {p.id: p.display_name for p in providers_of(tenant)}
    rows = []
    for org, depth, eff in tree:
        uses = org.sso_mode == SSOMode.PROVIDER and org.sso_provider_id == provider.id
        inherits = org.sso_mode == SSOMode.INHERIT
        effective = describe_effective(eff, org_names, org.id)
        effective["provider_name"] = provider_names.get(eff.provider_id, "") if eff.uses_sso else ""
        rows.append(
            {
                "org": org,
                "depth": depth,
                "own": _own_label(org, provider, provider_names),
                "effective": effective,
                "checked": (str(org.id) in selected) if selected is not None else uses,
                "inherit_checked": (str(org.id) in inheriting)
                if inheriting is not None
                else inherits,
            }
        )
    return rows


@console_view(Capability.IDENTITY_MANAGE)
@require_http_methods(["GET", "POST"])
def provider_orgs(request, provider_id):
    """Organizations in use: a checkbox per org, an "Inherits settings" choice per org but the top one."""
    provider = provider_or_404(request, provider_id)
    error = None
    if request.method == "POST":
        selected = request.POST.getlist("use")
        inheriting = request.POST.getlist("inherit")
        already = {
            str(o.id) for o, _, _ in org_tree(request.tenant) if o.sso_mode == SSOMode.INHERIT
        }
        with refusals_shown_on(None) as call:
            # "Inherits settings" starts ticked on orgs that inherit now, so a tick there only means "switch to
            # inherit" for the others: selecting an inheriting org is then no contradiction, and an unchanged
            # save records no switch. Ticking both boxes of an org that did not inherit is, and is refused.
            switch = [i for i in inheriting if i not in already]
            count = set_orgs_in_use(
                provider, selected, inherit_org_ids=switch, actor=request.user, request=request
            )
        if call.ok:
            messages.success(
                request,
                f"Organizations in use saved: {count} organization{'s' if count != 1 else ''} "
                f"now sign in with “{provider.display_name}”.",
            )
            return redirect("console:identity_provider", provider_id=provider.id)
        error = call.message
        rows = _org_rows(
            request.tenant, provider, selected=set(selected), inheriting=set(inheriting)
        )
    else:
        rows = _org_rows(request.tenant, provider)
    return render(
        request, "console/identity/orgs.html", {"provider": provider, "rows": rows, "error": error}
    )


@console_view(Capability.IDENTITY_MANAGE)
@require_http_methods(["GET", "POST"])
def provider_advanced(request, provider_id):
    """Set SAML attributes for SSO: the request settings, with the vendor's names and defaults."""
    provider = provider_or_404(request, provider_id)
    form = AdvancedSettingsForm(
        request.POST if request.method == "POST" else None,
        initial=AdvancedSettingsForm.initial_for(provider),
    )
    if request.method == "POST" and form.is_valid():
        with refusals_shown_on(form, ADVANCED_FIELDS) as call:
            set_advanced_settings(
                provider, actor=request.user, request=request, **form.service_kwargs()
            )
        if call.ok:
            messages.success(
                request,
                f"Advanced SAML settings of “{provider.display_name}” saved. They apply from the "
                "next sign-in.",
            )
            return redirect("console:identity_provider", provider_id=provider.id)
    return render(request, "console/identity/advanced.html", {"provider": provider, "form": form})
