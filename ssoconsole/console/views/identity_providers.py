"""Authentication providers in the console: add (tutorial step 3), details, rename, metadata, refresh, delete.

Every change goes through ``ssoconsole.sso.providers`` / ``refresh``, which
validate, audit and store nothing when they refuse; these views only turn
their refusals into messages next to the field the administrator used.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods

from ssoconsole.accounts.access import console_view
from ssoconsole.accounts.roles import Capability, can
from ssoconsole.audit.signin_activity import sign_in_activity
from ssoconsole.console import activity_chart
from ssoconsole.console.forms.common import add_domain_error, refusals_shown_on
from ssoconsole.console.forms.identity import (
    PROVIDER_FIELDS,
    SOURCE_FILE,
    SOURCE_URL,
    ProviderAddForm,
    ProviderMetadataForm,
    ProviderRenameForm,
    ProviderReplaceMetadataForm,
    carry,
)
from ssoconsole.console.forms.identity_advanced import AC_PASSWORD
from ssoconsole.console.views.common import post_only
from ssoconsole.console.views.identity import provider_or_404, sp_values
from ssoconsole.core import clock, urls
from ssoconsole.core.errors import DomainError
from ssoconsole.sso import errors as sso_errors
from ssoconsole.sso.certificates import provider_certificates
from ssoconsole.sso.details import provider_details
from ssoconsole.sso.models import (
    Comparison,
    DigestMethod,
    MetadataSource,
    NameIDFormat,
    SignatureMethod,
)
from ssoconsole.sso.providers import create_provider, delete_provider, update_provider
from ssoconsole.sso.refresh import refresh_metadata

_ENTITY_CODES = {"saml.metadata_entity_ambiguous", "saml.metadata_entity_not_found"}
_DOCUMENT_FIELDS = {"metadata", "metadataUrl", "metadataXml"}


def _metadata_refused(form: ProviderMetadataForm, exc: DomainError, source: dict) -> dict:
    """Put a refusal next to the field used and return extra template context.

    A document listing several identity providers is not a dead end: the
    entity IDs found are offered as choices, and an uploaded file is carried
    along so that choosing one is all that is left to do.
    """
    if exc.field in _DOCUMENT_FIELDS or (
        exc.field is None and exc.code.startswith(("saml.", "sso.metadata"))
    ):
        form.add_error(form.source_field(), exc.message)
    else:
        add_domain_error(form, exc, PROVIDER_FIELDS)
    extra: dict = {}
    if exc.code in _ENTITY_CODES:
        found = exc.details.get("actual")
        extra["entity_choices"] = [found] if isinstance(found, str) else list(found or [])
        if "metadata_xml" in source and source["metadata_xml"]:
            extra["carried"] = carry(source["metadata_xml"])
    return extra


@console_view(Capability.IDENTITY_MANAGE)
@require_http_methods(["GET", "POST"])
def provider_add(request):
    """Add Authentication Provider: display name and metadata by URL or file; Create Provider."""
    form = ProviderAddForm(
        request.POST if request.method == "POST" else None, request.FILES or None
    )
    extra: dict = {}
    if request.method == "POST" and form.is_valid():
        source = form.metadata()
        with refusals_shown_on(
            form, show=lambda exc: extra.update(_metadata_refused(form, exc, source))
        ) as call:
            provider = create_provider(
                request.tenant,
                form.cleaned_data["display_name"],
                actor=request.user,
                request=request,
                **source,
            )
        if call.ok:
            messages.success(
                request,
                f"Authentication provider “{provider.display_name}” created. It applies to no "
                "organization yet: map its attributes, then choose the organizations that use it.",
            )
            return redirect("console:identity_provider", provider_id=provider.id)
    return render(request, "console/identity/add.html", {"form": form, **extra})


def _advanced_summary(provider) -> list[tuple[str, str]]:
    ref = provider.authn_context_class_ref
    return [
        ("Authentication context class reference", ref or "None requested"),
        ("Comparison", Comparison(provider.authn_context_comparison).label if ref else "—"),
        ("Digest method", DigestMethod(provider.digest_method).label),
        ("Signature method", SignatureMethod(provider.signature_method).label),
        ("Sign AuthnRequests", "Yes" if provider.sign_requests else "No"),
        (
            "NameID format requested",
            NameIDFormat(provider.name_id_format).label if provider.name_id_format else "None",
        ),
        ("ForceAuthn", "Yes" if provider.force_authn else "No"),
        ("Clock skew", f"{provider.clock_skew_seconds} seconds"),
        ("Allow SHA-1 (insecure)", "Yes" if provider.insecure_allow_sha1 else "No"),
    ]


def _test_url(provider) -> str | None:
    """Return the sign-in flow's "Test a provider" address, when that part of the product is installed."""
    for kwargs in ({"provider_id": provider.id}, None):
        try:
            return (
                reverse("sso:provider-test", kwargs=kwargs)
                if kwargs
                else reverse("sso:provider-test", args=[provider.id])
            )
        except NoReverseMatch:
            continue
    return None


def _sign_in_failures(provider):
    """Return recent refused sign-ins, or ``None`` when the sign-in flow does not record them (yet)."""
    try:
        from ssoconsole.sso.refusal_pages import recent_sign_in_failures
    except ImportError:
        return None
    return recent_sign_in_failures(provider, limit=20)


def detail_context(request, provider, **forms) -> dict:
    """Build the details page; bound forms passed in replace the blank ones."""
    details = provider_details(provider)
    certificates = provider_certificates(provider, clock.now())
    return {
        "provider": provider,
        "details": details,
        "certificates": certificates,
        "all_certificates_expired": bool(certificates)
        and all(c.status == "expired" for c in certificates),
        "sp_values": sp_values(request.tenant),
        "metadata_url": urls.sp_metadata_url(request.tenant.id),
        "advanced": _advanced_summary(provider),
        "uses_password_class": provider.authn_context_class_ref == AC_PASSWORD,
        "rename_form": forms.get("rename_form")
        or ProviderRenameForm(initial={"display_name": provider.display_name}),
        "test_url": _test_url(provider),
        "failures": _sign_in_failures(provider),
        "chart": activity_chart.build(
            sign_in_activity(provider.tenant_id, today=clock.now().date(), provider_id=provider.id),
            provider_id=provider.id,
        ),
        "audit_links": can(request.user, Capability.AUDIT_VIEW),
        "is_url_source": provider.metadata_source == MetadataSource.URL,
        "orgs_url": reverse("console:identity_provider_orgs", args=[provider.id]),
        "mapping_url": reverse("console:identity_provider_mapping", args=[provider.id]),
    }


@console_view(Capability.IDENTITY_MANAGE)
def provider_detail(request, provider_id):
    provider = provider_or_404(request, provider_id)
    return render(request, "console/identity/detail.html", detail_context(request, provider))


@console_view(Capability.IDENTITY_MANAGE)
@post_only
def provider_rename(request, provider_id):
    provider = provider_or_404(request, provider_id)
    form = ProviderRenameForm(request.POST)
    if form.is_valid():
        old = provider.display_name
        with refusals_shown_on(form, PROVIDER_FIELDS) as call:
            update_provider(
                provider,
                display_name=form.cleaned_data["display_name"],
                actor=request.user,
                request=request,
            )
        if call.ok:
            messages.success(request, f"Renamed “{old}” to “{provider.display_name}”.")
            return redirect("console:identity_provider", provider_id=provider.id)
    return render(
        request, "console/identity/detail.html", detail_context(request, provider, rename_form=form)
    )


@console_view(Capability.IDENTITY_MANAGE)
@post_only
def provider_refresh(request, provider_id):
    """Refresh now: download URL-sourced metadata again; a failure keeps the last good copy and says why."""
    provider = provider_or_404(request, provider_id)
    try:
        outcome = refresh_metadata(provider, actor=request.user, request=request)
    except (sso_errors.RefreshNotApplicable, sso_errors.RefreshInProgress) as exc:
        messages.error(request, exc.message)
    else:
        if not outcome.ok:
            messages.error(
                request,
                f"The refresh failed; sign-in keeps using the last good metadata. {outcome.error_message}",
            )
        elif outcome.changed:
            messages.success(
                request,
                "Metadata refreshed: the identity provider published changes, which are now in use.",
            )
        else:
            messages.success(
                request, "Metadata refreshed: nothing changed since the last download."
            )
    return redirect("console:identity_provider", provider_id=provider.id)


@console_view(Capability.IDENTITY_MANAGE)
@require_http_methods(["GET", "POST"])
def provider_metadata(request, provider_id):
    """Replace the metadata: upload a new file, or switch to (another) URL; all or nothing."""
    provider = provider_or_404(request, provider_id)
    initial = {
        "source": SOURCE_URL if provider.metadata_source == MetadataSource.URL else SOURCE_FILE,
        "metadata_url": provider.metadata_url,
    }
    form = ProviderReplaceMetadataForm(
        request.POST if request.method == "POST" else None, request.FILES or None, initial=initial
    )
    extra: dict = {}
    if request.method == "POST" and form.is_valid():
        source = form.metadata()
        with refusals_shown_on(
            form, show=lambda exc: extra.update(_metadata_refused(form, exc, source))
        ) as call:
            update_provider(provider, actor=request.user, request=request, **source)
        if call.ok:
            override = provider.metadata_overridden_at is not None and "metadata_xml" in source
            messages.success(
                request,
                f"Metadata of “{provider.display_name}” replaced; its signing certificates are "
                "trusted from now on."
                + (
                    " The metadata URL stays: the next good download from it replaces this file."
                    if override
                    else ""
                ),
            )
            return redirect("console:identity_provider", provider_id=provider.id)
    return render(
        request, "console/identity/metadata.html", {"provider": provider, "form": form, **extra}
    )


@console_view(Capability.IDENTITY_MANAGE)
@require_http_methods(["GET", "POST"])
def provider_delete(request, provider_id):
    """Confirm, then delete; refused while an org names the provider, with those orgs listed."""
    provider = provider_or_404(request, provider_id)
    details = provider_details(provider)
    blocking = [o for o in details["orgs"] if o["direct"]]
    error = None
    if request.method == "POST":
        try:
            delete_provider(provider, actor=request.user, request=request)
        except sso_errors.ProviderInUse as exc:
            error = exc.message
            blocking = exc.details.get("orgs", blocking)
        else:
            messages.success(
                request, f"Authentication provider “{details['displayName']}” deleted."
            )
            return redirect("console:identity")
    return render(
        request,
        "console/identity/delete.html",
        {"provider": provider, "details": details, "blocking": blocking, "error": error},
    )
