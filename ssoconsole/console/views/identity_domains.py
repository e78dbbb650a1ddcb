"""Identity Management > Domains: add an e-mail domain, publish its TXT record, verify, remove.

One page lists the tenant's domains with their state, the TXT record each
needs and, for verified ones, how many users of other tenants already have a
username there (a count only). Its forms post one action each to
:mod:`ssoconsole.tenancy.domains`, which audits it and refuses with a
sentence that says what to publish or change.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ssoconsole.accounts.access import console_view
from ssoconsole.accounts.roles import Capability
from ssoconsole.console.forms.common import refusals_shown_on
from ssoconsole.tenancy import dns_proof, domains


def _run(request, action: str) -> str | None:
    """Run one posted action; return the success sentence, or None after showing the refusal."""
    with refusals_shown_on(None) as call:
        if action == "add":
            done = domains.add_domain(
                request.tenant, request.POST.get("name", ""), actor=request.user, request=request
            )
            sentence = (
                f"{done.name} added. Publish its TXT record at your DNS provider, then verify."
            )
        else:
            domain = domains.get_domain(request.tenant, request.POST.get("domain", ""))
            if action == "verify":
                domains.verify_domain(domain, actor=request.user, request=request)
                sentence = f"{domain.name} is verified."
            else:
                domains.remove_domain(domain, actor=request.user, request=request)
                sentence = f"{domain.name} removed."
    if call.ok:
        return sentence
    messages.error(request, call.message)
    return None


@console_view(Capability.IDENTITY_MANAGE)
@require_http_methods(["GET", "POST"])
def domains_page(request):
    """Show the tenant's domains; a POST adds (``name``), verifies or removes (``domain``) one."""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ("add", "verify", "remove"):
            messages.error(request, "Choose one of the buttons on this page.")
        else:
            done = _run(request, action)
            if done:
                messages.success(request, done)
        return redirect("console:identity_domains")
    rows = [
        {
            "domain": d,
            "record_name": dns_proof.record_name(d.name),
            "record_value": dns_proof.record_value(d.token),
            "elsewhere": domains.users_elsewhere(d) if d.verified else 0,
        }
        for d in domains.list_domains(request.tenant)
    ]
    return render(request, "console/identity/domains.html", {"rows": rows})
