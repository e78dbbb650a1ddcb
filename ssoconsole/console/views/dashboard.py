"""The landing pages: ``/`` and the dashboard, which shows each role what it can act on."""

from __future__ import annotations

from django.shortcuts import redirect, render

from ssoconsole.accounts.access import console_view, signed_in_user
from ssoconsole.accounts.models import User
from ssoconsole.accounts.roles import Capability, can
from ssoconsole.audit.signin_activity import sign_in_activity
from ssoconsole.console import activity_chart, queries
from ssoconsole.console.views.common import COUNT_MAX
from ssoconsole.console.views.identity import sp_values
from ssoconsole.core import clock, urls
from ssoconsole.sso.expiry import expiry_warnings
from ssoconsole.tenancy.services import org_counts

RECENT_EVENTS = 8


def root(request):
    """Send visitors to the console when signed in, to the login page otherwise."""
    return redirect("console:dashboard" if signed_in_user(request) else "/login")


@console_view()
def dashboard(request):
    user, tenant = request.user, request.tenant
    context: dict = {
        "can_orgs": can(user, Capability.ORGS_VIEW),
        "can_users": can(user, Capability.USERS_VIEW),
    }
    if context["can_orgs"]:
        context["org_count"], context["sso_org_count"] = org_counts(tenant)
    if context["can_users"]:
        # Counted up to COUNT_MAX, as the lists count: a million users took a second to count.
        users = User.objects.filter(tenant=tenant)
        for key, queryset in (("user", users), ("active_user", users.filter(is_active=True))):
            counted = queryset[: COUNT_MAX + 1].count()
            context[f"{key}_count"] = min(counted, COUNT_MAX)
            context[f"{key}_count_capped"] = counted > COUNT_MAX
    if can(user, Capability.IDENTITY_MANAGE):
        context["sp_values"] = sp_values(tenant)
        context["metadata_url"] = urls.sp_metadata_url(tenant.id)
        context["certificate_warnings"] = expiry_warnings(tenant, clock.now())
    if can(user, Capability.AUDIT_VIEW):
        context["events"] = list(queries.audit_events(tenant)[:RECENT_EVENTS])
        context["chart"] = activity_chart.build(
            sign_in_activity(tenant.id, today=clock.now().date())
        )
        context["audit_links"] = True
    return render(request, "console/dashboard.html", context)
