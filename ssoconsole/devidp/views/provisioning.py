"""Provisioning of an app (Entra: Enterprise application › Provisioning): credentials, Provision now, log."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ssoconsole.devidp import access, provisioning
from ssoconsole.devidp.forms import ProvisioningForm
from ssoconsole.devidp.models import ProvisioningConfig
from ssoconsole.devidp.views.common import app_or_404, directory_or_404


def _here(directory, app):
    return reverse("devidp:app_provisioning", args=[directory.id, app.id])


@access.admin_required
@require_http_methods(["GET", "POST"])
def app_provisioning(request, tenant_id, app_id):
    directory = directory_or_404(tenant_id)
    app = app_or_404(directory, app_id)
    config = ProvisioningConfig.objects.filter(app=app).first()
    form = ProvisioningForm(
        request.POST or None, initial={"tenant_url": config.tenant_url if config else ""}
    )
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["secret_token"] or (config.secret_token if config else "")
        if not token:
            form.add_error("secret_token", "Paste the Secret Token the console generated.")
        else:
            provisioning.configure(
                app, tenant_url=form.cleaned_data["tenant_url"], secret_token=token
            )
            messages.success(
                request, "Admin credentials saved. Click Provision now to run a cycle."
            )
            return redirect(_here(directory, app))
    return TemplateResponse(
        request,
        "devidp/app_provisioning.html",
        {
            "directory": directory,
            "app": app,
            "form": form,
            "config": config,
            "log": provisioning.log_of(app),
            "tab": "provisioning",
        },
    )


@access.admin_required
@require_POST
def app_provision_now(request, tenant_id, app_id):
    directory = directory_or_404(tenant_id)
    app = app_or_404(directory, app_id)
    if not ProvisioningConfig.objects.filter(app=app).exists():
        messages.error(request, "Save the Tenant URL and Secret Token first.")
        return redirect(_here(directory, app))
    result = provisioning.run_cycle(app)
    summary = (
        f"Cycle finished: {result.created} created, {result.updated} updated, "
        f"{result.disabled} disabled, {result.failed} failed."
    )
    (messages.error if result.failed else messages.success)(request, summary)
    return redirect(_here(directory, app))
