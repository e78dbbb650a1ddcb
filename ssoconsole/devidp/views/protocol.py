"""The SAML endpoint ``/devidp/<tenant-id>/saml2`` and its sign-in form.

A request is decoded, parsed and checked against the app before anyone is
asked for a password, as Entra does. The sign-in form carries the request
back in a signed hidden field (``signin_state``), so that any server process
can finish it; the second step re-checks the app against the current
configuration.
"""

from __future__ import annotations

import uuid

from django.template.response import TemplateResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from ssoconsole.core import clock
from ssoconsole.devidp import (
    bindings,
    errors,
    flow,
    request_signature,
    services,
    sessions,
    signin_log,
    signin_state,
)
from ssoconsole.devidp.authn_request import AuthnRequest, parse_authn_request
from ssoconsole.devidp.forms import SignInForm
from ssoconsole.devidp.views.common import directory_or_404
from ssoconsole.devidp.views.errors import render_error

MAX_RELAY_STATE = 1024


def _decode(saml_request: str | None, redirect_binding: bool) -> tuple[AuthnRequest, bytes]:
    if not saml_request:
        raise errors.InvalidRequest("Invalid request: the request has no SAMLRequest parameter.")
    try:
        xml = (
            bindings.decode_redirect(saml_request)
            if redirect_binding
            else bindings.decode_post(saml_request)
        )
    except bindings.BindingError as exc:
        raise errors.InvalidRequest(f"Invalid request: {exc}") from None
    return parse_authn_request(xml), xml


def _relay_state(value: str | None) -> str:
    value = value or ""
    if len(value) > MAX_RELAY_STATE:
        raise errors.InvalidRequest(
            f"Invalid request: RelayState is longer than {MAX_RELAY_STATE} characters."
        )
    return value


def _sign_in_page(
    request, directory, target, xml: bytes, relay_state: str, correlation_id: str, form=None
):
    response = TemplateResponse(
        request,
        "devidp/signin.html",
        {
            "directory": directory,
            "app": target.app,
            "form": form or SignInForm(),
            "ctx": signin_state.dump(
                signin_state.SignInState(str(directory.id), xml, relay_state, correlation_id)
            ),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _post_to_acs(
    request, target, authn: AuthnRequest, session, relay_state: str, now, correlation_id: str
):
    """Render the auto-submitting HTTP-POST form that carries the signed response (Bindings 3.5)."""
    xml = flow.issue(target, authn, session, now)
    signin_log.record(
        target.app.directory,
        now=now,
        request_id=str(uuid.uuid4()),
        correlation_id=correlation_id,
        app=target.app,
        user=session.user,
    )
    response = TemplateResponse(
        request,
        "devidp/autopost.html",
        {
            "acs_url": target.acs_url,
            "saml_response": bindings.encode_post(xml),
            # Entra echoes the SP's RelayState; the configured Relay State fills in when the SP sent none.
            "relay_state": relay_state or target.app.relay_state,
            "app": target.app,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # the HTTP-POST binding arrives from the SP's page, which has no token of ours
@require_http_methods(["GET", "POST"])
def saml2(request, tenant_id):
    """Answer an AuthnRequest: reuse the IdP session, or show the sign-in page."""
    directory = directory_or_404(tenant_id)
    now = clock.now()
    correlation_id = str(uuid.uuid4())
    params = request.GET if request.method == "GET" else request.POST
    authn = target = session = None
    try:
        redirect_binding = request.method == "GET"
        authn, xml = _decode(params.get("SAMLRequest"), redirect_binding=redirect_binding)
        relay_state = _relay_state(params.get("RelayState"))
        target = flow.resolve(directory, authn)
        flow.check_signature(
            target.app,
            xml,
            post=not redirect_binding,
            redirect=request_signature.redirect_signature(request.META.get("QUERY_STRING", ""))
            if redirect_binding
            else None,
        )
        session = sessions.current(request, directory, now)
        if session is not None and not authn.force_authn:
            flow.authorize(target.app, session.user)
            return _post_to_acs(request, target, authn, session, relay_state, now, correlation_id)
        if authn.is_passive:
            raise errors.InteractionRequired(
                "The request asked for a silent sign-in (IsPassive), but no user is signed in to this directory."
            )
    except errors.AadstsError as exc:
        return render_error(
            request,
            exc,
            directory=directory,
            correlation_id=correlation_id,
            now=now,
            app=target.app if target else None,
            user=session.user if session else None,
            issuer=authn.issuer if authn else "",
        )
    return _sign_in_page(request, directory, target, xml, relay_state, correlation_id)


@require_POST
def sign_in(request, tenant_id):
    """Check the user's password, start the IdP session and answer the request."""
    directory = directory_or_404(tenant_id)
    now = clock.now()
    correlation_id = str(uuid.uuid4())
    authn = None
    try:
        state = signin_state.load(request.POST.get("ctx"), str(directory.id))
        correlation_id, xml, relay_state = (
            state.correlation_id,
            state.request_xml,
            state.relay_state,
        )
        authn = parse_authn_request(xml)
        target = flow.resolve(directory, authn)
    except errors.AadstsError as exc:
        return render_error(
            request,
            exc,
            directory=directory,
            correlation_id=correlation_id,
            now=now,
            issuer=authn.issuer if authn else "",
        )
    form = SignInForm(request.POST)
    user = None
    if form.is_valid():
        user = services.check_credentials(
            directory, form.cleaned_data["username"], form.cleaned_data["password"]
        )
        if user is None:
            form.add_error(None, "Your account or password is incorrect.")
            signin_log.record(
                directory,
                now=now,
                request_id=str(uuid.uuid4()),
                correlation_id=correlation_id,
                app=target.app,
                username=form.cleaned_data["username"],
                error_code=signin_log.WRONG_PASSWORD,
                message="Invalid username or password.",
            )
    if user is None:
        return _sign_in_page(
            request, directory, target, xml, relay_state, correlation_id, form=form
        )
    sessions.end(
        request, directory
    )  # ForceAuthn or another user: the new sign-in replaces the old session
    token, session = sessions.start(directory, user, now)
    try:
        flow.authorize(target.app, user)
        response = _post_to_acs(request, target, authn, session, relay_state, now, correlation_id)
    except errors.AadstsError as exc:
        # Like Entra, the user is signed in to the IdP even when this app refuses them.
        response = render_error(
            request,
            exc,
            directory=directory,
            correlation_id=correlation_id,
            now=now,
            app=target.app,
            user=user,
        )
    sessions.set_cookie(response, directory, token, session)
    return response
