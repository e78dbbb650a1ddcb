"""The login page's single sign-on step: the ``SSOFlow`` that ``accounts.signin`` calls.

``accounts.signin.next_step_for`` decides from the username whether SSO
applies (the effective setting of the user's org is a provider, and the user
is not a "local user"); this module decides what happens next:

* a tenant with one provider: straight to that IdP;
* a tenant with several: the list of providers by display name (the
  tutorial's "users see a list of providers to choose from"); choosing one
  that is not the org's fails with a message naming the right one;
* a user already signed in with a live session: no IdP round trip
  (docs/rules.md#session-lifetime).
"""

from __future__ import annotations

from dataclasses import replace

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ssoconsole.accounts import signin, throttle
from ssoconsole.accounts.access import signed_in_user
from ssoconsole.accounts.redirects import safe_next
from ssoconsole.core.errors import ValidationFailed
from ssoconsole.core.request_info import client_ip
from ssoconsole.sso.errors import ProviderChoiceRequired, ProviderMissing, WrongProvider
from ssoconsole.sso.idp_redirect import redirect_to_idp
from ssoconsole.sso.models import AuthProvider
from ssoconsole.sso.providers import providers_of
from ssoconsole.sso.refusal_pages import record_refusal, refuse, throttled_page
from ssoconsole.sso.saml_config import effective_provider_for_user


class SAMLSignInFlow:
    """Continue sign-in for users whose organization signs in with a SAML provider."""

    def step_for(self, step: signin.SSOStep) -> signin.SSOStep | signin.ProviderChoice:
        """Offer the tenant's providers when there are several; else keep the org's provider."""
        providers = providers_of(step.user.tenant)
        if len(providers) <= 1:
            # The list is the one row start() needs: keep it rather than read it again.
            own = next((p for p in providers if p.id == step.provider_id), None)
            return replace(step, provider=own)
        return signin.ProviderChoice(
            step.username,
            step.user,
            tuple(signin.ProviderOption(p.id, p.display_name) for p in providers),
        )

    def start(self, request, step, *, next_url: str):
        """Return the IdP redirect, the provider list, or (already signed in) the page asked for."""
        current = signed_in_user(request)
        if current is not None and current.id == step.user.id:
            return HttpResponseRedirect(next_url)
        if isinstance(step, signin.ProviderChoice):
            return _choice_page(request, step.username, step.providers, next_url)
        provider = step.provider or (
            AuthProvider.objects.filter(id=step.provider_id, tenant_id=step.user.tenant_id).first()
        )
        if provider is None:
            return refuse(
                request,
                ProviderMissing(actual=str(step.provider_id)),
                tenant=step.user.tenant,
                user=step.user,
                username=step.username,
            )
        return redirect_to_idp(
            request,
            tenant=step.user.tenant,
            provider=provider,
            username=step.username,
            return_path=next_url,
        )


def _choice_page(
    request, username, providers, next_url, *, error=None, error_code=None, status=200
):
    return render(
        request,
        "sso/choose_provider.html",
        {
            "username": username,
            "providers": providers,
            "next": next_url,
            "error": error,
            "error_code": error_code,
        },
        status=status,
    )


# Wrong picks are audited in the user's tenant, and anyone may post this form: a rate of wrong picks per
# address bounds the audit log without locking an office out for long (30 at once, then 1 every 3 s).
CHOOSE_RULE = throttle.Bucket(
    "sso-choose-address",
    count=300,
    seconds=900,
    burst=30,
    what="from your network address",
    per_address=True,
    noun="wrong choices",
)


@never_cache
@require_POST
def choose_provider(request):
    """Continue with the provider the user picked from the list, if it is their organization's."""
    address = client_ip(request) or ""
    try:
        throttle.check_bucket(CHOOSE_RULE, address)
    except throttle.Throttled as exc:
        return throttled_page(request, exc, scope=CHOOSE_RULE.scope)
    next_url = safe_next(request.POST.get("next"))
    username = request.POST.get("username", "")
    try:
        step = signin.next_step_for(username)
    except ValidationFailed:
        return HttpResponseRedirect("/login")
    if not isinstance(step, (signin.SSOStep, signin.ProviderChoice)):
        # Password users (and unknown names, which must look the same) continue on the login page.
        return signin_redirect(step.username, next_url)
    user = step.user
    current = signed_in_user(request)
    if current is not None and current.id == user.id:
        return HttpResponseRedirect(next_url)
    providers = providers_of(user.tenant)
    options = tuple(signin.ProviderOption(p.id, p.display_name) for p in providers)
    chosen = next((p for p in providers if str(p.id) == request.POST.get("provider", "")), None)
    if chosen is None:
        throttle.spend(CHOOSE_RULE, address)
        return _choice_page(
            request,
            step.username,
            options,
            next_url,
            status=400,
            error_code=ProviderChoiceRequired.code,
            error=ProviderChoiceRequired.user_message,
        )
    right = effective_provider_for_user(user)
    if right is None or right.id != chosen.id:
        message = f"“{chosen.display_name}” is not your organization's identity provider. " + (
            f"Choose “{right.display_name}”."
            if right is not None
            else "Ask your administrator which one to use."
        )
        error = WrongProvider(
            message, expected=right.display_name if right else None, actual=chosen.display_name
        )
        error.user_message = message
        throttle.spend(CHOOSE_RULE, address)
        record_refusal(
            request, error, tenant=user.tenant, provider=chosen, user=user, username=step.username
        )
        return _choice_page(
            request,
            step.username,
            options,
            next_url,
            status=400,
            error=message,
            error_code=error.code,
        )
    return redirect_to_idp(
        request, tenant=user.tenant, provider=chosen, username=step.username, return_path=next_url
    )


def signin_redirect(username: str, next_url: str):
    """Send the browser back to the login page's step for ``username``."""
    from urllib.parse import urlencode

    return HttpResponseRedirect("/login?" + urlencode({"username": username, "next": next_url}))
