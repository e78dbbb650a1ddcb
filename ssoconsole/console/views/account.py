"""The signed-in user's own account: profile and personal API tokens.

A new token is shown in the response to the POST that created it and
nowhere else: it is never put in the session or a redirect, and the page is
marked ``no-store`` so that the browser does not keep it either.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.access import console_view
from ssoconsole.accounts.models import ApiToken
from ssoconsole.accounts.roles import Role
from ssoconsole.console.forms.account import ApiTokenForm
from ssoconsole.console.forms.common import refusals_shown_on
from ssoconsole.console.views.common import post_only
from ssoconsole.tenancy.services import effective_sso_of

ROLE_LABELS = dict(Role.choices)


def _render(request, form=None, new_token: str | None = None, status: int = 200):
    user = request.user
    response = render(
        request,
        "console/account/index.html",
        {
            "form": form or ApiTokenForm(),
            "new_token": new_token,
            "tokens": ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by(
                "-created_at"
            ),
            "role_labels": [ROLE_LABELS.get(r, r) for r in user.role_names],
            "sign_in": effective_sso_of(user.org),
        },
        status=status,
    )
    add_never_cache_headers(response)
    return response


@console_view()
def account(request):
    return _render(request)


@console_view()
@post_only
def token_create(request):
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        with refusals_shown_on(form, {"name": "name"}) as call:
            raw, _ = accounts.create_api_token(
                request.user, name=form.cleaned_data["name"], actor=request.user, request=request
            )
        if call.ok:
            return _render(request, new_token=raw)
    return _render(request, form=form)


@console_view()
@post_only
def token_revoke(request, token_id):
    token = (
        ApiToken.objects.select_related("user__tenant")
        .filter(user=request.user, id=token_id)
        .first()
    )
    if token is None:
        raise Http404("No API token with this id among yours.")
    accounts.revoke_api_token(token, actor=request.user, request=request)
    messages.success(
        request, f"Token {token.prefix}… revoked. Programs using it can no longer call the API."
    )
    return redirect("console:account")
