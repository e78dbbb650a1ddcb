"""The sign-in flow's decisions, in Entra's order, apart from HTTP.

Before the prompt: find the app by the request's Issuer (AADSTS700016),
check the reply URL (AADSTS50011), that the app is enabled (AADSTS7000112)
and, when the app requires it, the request's signature (AADSTS76021). After the user is known: the account must be enabled
(AADSTS50057) and, when the app requires assignment, assigned (AADSTS50105).
Then the response is built and signed with the app's active certificate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ssoconsole.devidp import errors, links, request_signature, services
from ssoconsole.devidp.authn_request import AC_PASSWORD, AC_PPT, AuthnRequest
from ssoconsole.devidp.models import Directory, DirectoryUser, EnterpriseApp, IdpSession
from ssoconsole.devidp.response import ResponseParams, Subject, build_response, sign_response


@dataclass(frozen=True)
class AppTarget:
    """Where a request's response goes: the app and the Reply URL chosen."""

    app: EnterpriseApp
    acs_url: str


def resolve(directory: Directory, request: AuthnRequest) -> AppTarget:
    """Return the app and reply URL for ``request``, or raise the refusal Entra would show first."""
    app = EnterpriseApp.objects.filter(directory=directory, identifier=request.issuer).first()
    if app is None:
        raise errors.ApplicationNotFound(
            f"Application with identifier '{request.issuer}' was not found in the directory '{directory.name}' "
            f"({directory.id}). Check the Identifier (Entity ID) in Basic SAML Configuration, or whether the "
            "request was sent to the right directory."
        )
    if request.acs_url is None:
        if not app.reply_urls:
            raise errors.ReplyUrlMismatch(
                f"The application '{app.id}' ({app.name}) has no Reply URL configured and the request names none."
            )
        acs_url = app.reply_urls[0]  # Entra's default reply URL
    elif request.acs_url in app.reply_urls:
        acs_url = request.acs_url
    else:
        raise errors.ReplyUrlMismatch(
            f"The reply URL '{request.acs_url}' specified in the request does not match the reply URLs configured "
            f"for the application '{app.id}' ({app.name}). Add it under Single sign-on > Basic SAML Configuration > "
            "Reply URL, or correct the service provider's Assertion Consumer Service URL."
        )
    if not app.enabled_for_sign_in:
        raise errors.ApplicationDisabled(
            f"Application '{app.id}' ({app.name}) is disabled: its property 'Enabled for users to sign in?' is No."
        )
    return AppTarget(app=app, acs_url=acs_url)


def check_signature(
    app: EnterpriseApp,
    xml: bytes,
    *,
    redirect: request_signature.RedirectSignature | None,
    post: bool,
) -> None:
    """Verify the request's signature when the app has "Require verification certificates" on."""
    if app.require_signed_requests:
        request_signature.verify(
            app.name, app.verification_certificates, redirect=redirect, xml=xml, post=post
        )


def authorize(app: EnterpriseApp, user: DirectoryUser) -> None:
    """Refuse a user whose account is disabled, or who is not assigned to an app that requires it."""
    if not user.account_enabled:
        raise errors.AccountDisabled(f"The account {user.upn} is disabled.")
    if app.assignment_required and not services.is_assigned(app, user):
        raise errors.UserNotAssigned(
            f"The administrator has configured the application {app.name} ('{app.id}') to block users unless they "
            f"are assigned to it. The signed-in user '{user.upn}' is blocked because no administrator assigned them "
            "access. Assign the user under Users and groups, or set 'Assignment required?' to No."
        )


def issue(target: AppTarget, request: AuthnRequest, session: IdpSession, now: dt.datetime) -> bytes:
    """Return the signed Response for ``request``, about the user of ``session``."""
    app, user = target.app, session.user
    directory_id = str(app.directory_id)
    certificate = services.active_certificate(app)
    params = ResponseParams(
        idp_entity_id=links.entity_id(directory_id),
        tenant_id=directory_id,
        acs_url=target.acs_url,
        audience=app.identifier,
        in_response_to=request.id,
        subject=Subject(
            upn=user.upn,
            object_id=str(user.id),
            display_name=user.display_name,
            given_name=user.given_name,
            surname=user.surname,
            mail=user.mail,
        ),
        name_id_format=request.name_id_format,
        authn_instant=session.authn_instant,
        session_index=session.session_index,
        session_not_on_or_after=session.expires_at,
        authn_class_ref=AC_PPT if AC_PPT in request.requested_class_refs else AC_PASSWORD,
    )
    response = build_response(params, now=now)
    return sign_response(
        response,
        option=app.signing_option,
        key_pem=certificate.private_key_pem,
        cert_pem=certificate.certificate_pem,
        algorithm=app.signing_algorithm,
    )
