"""The audit log: who did what, with which outcome and why, filterable and paginated."""

from __future__ import annotations

from django.shortcuts import render

from ssoconsole.accounts.access import console_view
from ssoconsole.accounts.roles import Capability
from ssoconsole.console import queries
from ssoconsole.console.audit_format import readable
from ssoconsole.console.forms.audit import AuditFilterForm
from ssoconsole.console.views.common import paginate, query_without_page
from ssoconsole.sso.providers import providers_of
from ssoconsole.tenancy.models import Organization


@console_view(Capability.AUDIT_VIEW)
def audit_log(request):
    form = AuditFilterForm(
        request.GET or None,
        actions=queries.audit_actions(request.tenant),
        providers=providers_of(request.tenant),
    )
    if form.is_bound:
        form.is_valid()  # invalid fields show their error; the valid ones still filter
    filters = form.filters()
    page = paginate(request, queries.audit_events(request.tenant, **filters))
    org_names = {
        str(i): n
        for i, n in Organization.objects.filter(tenant=request.tenant).values_list("id", "name")
    }
    rows = [(event, readable(event.data, org_names)) for event in page.object_list]
    return render(
        request,
        "console/audit/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query_without_page(request),
            "filtered": any(filters.values()),
        },
    )
