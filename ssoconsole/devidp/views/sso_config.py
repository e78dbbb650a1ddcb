"""Single sign-on > SAML: Basic SAML Configuration, claims, SAML Certificates and the set-up values."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ssoconsole.core.errors import ValidationFailed
from ssoconsole.devidp import access, links, request_signature, services
from ssoconsole.devidp.authn_request import NAMEID_EMAIL
from ssoconsole.devidp.forms import BasicSamlForm, SigningForm, VerificationForm, apply_error
from ssoconsole.devidp.response import (
    CLAIM_AMR,
    CLAIM_DISPLAY_NAME,
    CLAIM_EMAIL,
    CLAIM_GIVEN_NAME,
    CLAIM_IDENTITY_PROVIDER,
    CLAIM_NAME,
    CLAIM_OBJECT_ID,
    CLAIM_SURNAME,
    CLAIM_TENANT_ID,
)
from ssoconsole.devidp.views.common import app_or_404, directory_or_404

# (claim name, source attribute), in the order Entra's "Attributes & Claims" lists them.
DEFAULT_CLAIMS = (
    (CLAIM_GIVEN_NAME, "user.givenname"),
    (CLAIM_SURNAME, "user.surname"),
    (CLAIM_EMAIL, "user.mail"),
    (CLAIM_NAME, "user.userprincipalname"),
    (CLAIM_TENANT_ID, "the directory's tenant id"),
    (CLAIM_OBJECT_ID, "user.objectid"),
    (CLAIM_DISPLAY_NAME, "user.displayname"),
    (CLAIM_IDENTITY_PROVIDER, "the IdP's entity ID"),
    (CLAIM_AMR, "how the user signed in"),
)


def _app(tenant_id, app_id):
    directory = directory_or_404(tenant_id)
    return directory, app_or_404(directory, app_id)


@access.admin_required
def sso(request, tenant_id, app_id):
    directory, app = _app(tenant_id, app_id)
    return TemplateResponse(
        request,
        "devidp/app_sso.html",
        {
            "directory": directory,
            "app": app,
            "tab": "sso",
            "claims": DEFAULT_CLAIMS,
            "name_id_format": NAMEID_EMAIL,
            "certificates": app.certificates.all(),
            "metadata_url": services.federation_metadata_url(app),
            "login_url": links.sso_url(directory.id),
            "entity_id": links.entity_id(directory.id),
            "verification_count": len(
                request_signature.load_certificates(app.verification_certificates)
            ),
        },
    )


@access.admin_required
@require_http_methods(["GET", "POST"])
def basic_saml(request, tenant_id, app_id):
    directory, app = _app(tenant_id, app_id)
    initial = {
        "identifier": app.identifier,
        "reply_urls": "\n".join(app.reply_urls),
        "sign_on_url": app.sign_on_url,
        "relay_state": app.relay_state,
    }
    form = BasicSamlForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.configure_saml(
                app,
                data["identifier"],
                form.reply_url_list(),
                data["sign_on_url"],
                data["relay_state"],
            )
        except ValidationFailed as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Basic SAML Configuration saved.")
            return redirect(reverse("devidp:app_sso", args=[directory.id, app.id]))
    return TemplateResponse(
        request,
        "devidp/app_sso_basic.html",
        {"directory": directory, "app": app, "form": form, "tab": "sso"},
    )


@access.admin_required
@require_http_methods(["GET", "POST"])
def signing(request, tenant_id, app_id):
    directory, app = _app(tenant_id, app_id)
    form = SigningForm(
        request.POST or None,
        initial={"signing_option": app.signing_option, "signing_algorithm": app.signing_algorithm},
    )
    if request.method == "POST" and form.is_valid():
        services.set_signing(app, **form.cleaned_data)
        messages.success(request, "Signing options saved.")
        return redirect(reverse("devidp:app_sso", args=[directory.id, app.id]))
    return TemplateResponse(
        request,
        "devidp/app_sso_signing.html",
        {"directory": directory, "app": app, "form": form, "tab": "sso"},
    )


@access.admin_required
@require_http_methods(["GET", "POST"])
def verification(request, tenant_id, app_id):
    """Verification certificates (optional): make the app refuse unsigned or wrongly signed requests."""
    directory, app = _app(tenant_id, app_id)
    form = VerificationForm(
        request.POST or None,
        initial={
            "require_signed_requests": app.require_signed_requests,
            "certificates_pem": app.verification_certificates,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_request_verification(app, **form.cleaned_data)
        except ValidationFailed as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Verification certificates saved.")
            return redirect(reverse("devidp:app_sso", args=[directory.id, app.id]))
    return TemplateResponse(
        request,
        "devidp/app_sso_verification.html",
        {"directory": directory, "app": app, "form": form, "tab": "sso"},
    )


@access.admin_required
@require_POST
def new_certificate(request, tenant_id, app_id):
    """Create an inactive certificate, as Entra's "New Certificate" does, for a rollover to try."""
    directory, app = _app(tenant_id, app_id)
    cert = services.add_certificate(app)
    messages.success(
        request,
        f"Created an inactive certificate ({cert.thumbprint}). It is in the metadata; make it active to sign with it.",
    )
    return redirect(reverse("devidp:app_sso", args=[directory.id, app.id]))


@access.admin_required
@require_POST
def activate_certificate(request, tenant_id, app_id, cert_id):
    directory, app = _app(tenant_id, app_id)
    cert = app.certificates.filter(id=cert_id).first()
    if cert is None:
        raise Http404("No such certificate.")
    services.activate_certificate(cert)
    messages.success(request, f"Certificate {cert.thumbprint} is now active.")
    return redirect(reverse("devidp:app_sso", args=[directory.id, app.id]))


@access.admin_required
@require_GET
def download_certificate(request, tenant_id, app_id, cert_id):
    """Certificate (Base64): the PEM file Entra offers for SPs that take a certificate, not metadata."""
    _, app = _app(tenant_id, app_id)
    cert = app.certificates.filter(id=cert_id).first()
    if cert is None:
        raise Http404("No such certificate.")
    response = HttpResponse(cert.certificate_pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = f'attachment; filename="{app.name.replace(chr(34), "")}.cer"'
    return response
