"""Test a provider: a sign-in that signs nobody in and shows, step by step, what came back.

The tutorial has administrators verify SSO with a test organization and a
test user; this diagnostic shows what that test would decide without
touching anybody's session, the way the "verify configuration" buttons that
REFERENCES lists among praised diagnostics do. An identity administrator
starts it from the provider's page; the request is flagged ``test_mode`` and
bound to the administrator's browser like any other. At the ACS, the same
checks as a real sign-in run (:mod:`~ssoconsole.sso.signin_checks`), each
recorded as passed, failed or not run, with the NameID, every attribute, the
mapped username, the matched user and org, that org's effective provider and
the clock difference with the IdP. The last few reports stay viewable.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ssoconsole.accounts.access import console_view
from ssoconsole.accounts.roles import Capability
from ssoconsole.audit.log import record
from ssoconsole.audit.models import Outcome
from ssoconsole.saml.errors import SAMLError
from ssoconsole.sso import outstanding, replay, signin_checks
from ssoconsole.sso.errors import AssertionReplayed, MappingError, SSORefusal
from ssoconsole.sso.idp_redirect import redirect_to_idp
from ssoconsole.sso.models import AuthProvider
from ssoconsole.sso.refusal_pages import describe, recent_sign_in_failures
from ssoconsole.sso.signin_models import SignInTestResult
from ssoconsole.sso.unverified import clock_difference, peek
from ssoconsole.tenancy.services import effective_sso_of

KEEP_RESULTS = 10
STEPS = (
    (
        "request",
        "Sign-in request",
        "The answer belongs to the test sign-in started in this browser.",
    ),
    (
        "validation",
        "Response validation",
        "Status, signature by a certificate from the metadata, issuer, destination, "
        "InResponseTo, recipient, audience and time limits.",
    ),
    (
        "mapping",
        "Attribute mapping",
        "The username (and names) the provider's attribute mapping reads.",
    ),
    ("user", "User lookup", "An active user of this tenant with that username (case-insensitive)."),
    (
        "org",
        "Organization's provider",
        "The effective SSO setting of the user's organization is this provider.",
    ),
    (
        "replay",
        "Replay check",
        "The assertion has not been used before (it is now recorded as used).",
    ),
)
_FAILURES = (SSORefusal, SAMLError, MappingError)


def run(request, rec, saml_response: str, *, now: datetime):
    """Run every check on a test-mode answer, store the report and send the browser to it."""
    steps = {
        key: {"key": key, "title": title, "rule": rule, "state": "not run"}
        for key, title, rule in STEPS
    }
    steps["request"]["state"] = "passed"
    claimed = peek(saml_response)
    report: dict = {
        "provider": rec.provider.display_name,
        "requestId": rec.request_id,
        "startedAt": rec.created_at.isoformat(),
        "receivedAt": now.isoformat(),
        "unverified": claimed,
        "clock": {
            "serverTime": now.isoformat(),
            "issueInstant": claimed.get("IssueInstant"),
            "differenceSeconds": clock_difference(claimed.get("IssueInstant"), now),
            "allowedSkewSeconds": rec.provider.clock_skew_seconds,
        },
    }
    failure = None
    try:
        failure = _checks(rec, saml_response, now, steps, report)
    finally:
        report["steps"] = [steps[key] for key, _, _ in STEPS]
    passed = failure is None
    report["passed"] = passed
    result = _store(rec, report, passed, now)
    record(
        "auth_provider.tested",
        tenant=rec.tenant,
        actor=rec.started_by,
        target=rec.provider,
        outcome=Outcome.SUCCESS if passed else Outcome.FAILURE,
        reason_code=(failure or "")[:64],
        data={"resultId": str(result.id), "username": report.get("username")},
        request=request,
    )
    response = HttpResponseRedirect(
        reverse("sso:provider-test-result", args=[rec.provider_id, result.id])
    )
    response.status_code = 303
    return response


def _fail(step: dict, exc: Exception) -> str:
    d = describe(exc)
    step.update(state="failed", code=d.code, message=d.admin_message, details=d.details)
    return d.code


def _checks(rec, saml_response, now, steps, report) -> str | None:
    """Fill ``steps`` and ``report``; return the code of the first failed check, or ``None``."""
    provider = rec.provider
    try:
        assertion = signin_checks.validate(saml_response, record=rec, now=now)
    except _FAILURES as exc:
        return _fail(steps["validation"], exc)
    steps["validation"]["state"] = "passed"
    report.update(
        nameId=assertion.name_id,
        nameIdFormat=assertion.name_id_format,
        issuer=assertion.issuer,
        assertionId=assertion.assertion_id,
        authnContextClassRef=assertion.authn_context_class_ref,
        sessionNotOnOrAfter=assertion.session_not_on_or_after.isoformat()
        if assertion.session_not_on_or_after
        else None,
        attributes={name: list(values) for name, values in assertion.attributes.items()},
    )
    try:
        identity = signin_checks.map_username(assertion, provider)
    except _FAILURES as exc:
        return _fail(steps["mapping"], exc)
    steps["mapping"].update(
        state="passed", message=f"Username {identity.username!r} from {identity.username_source}."
    )
    report.update(
        username=identity.username,
        usernameSource=identity.username_source,
        firstName=identity.first_name,
        lastName=identity.last_name,
    )
    failure = None
    try:
        user = signin_checks.find_user(rec.tenant, identity.username)
    except _FAILURES as exc:
        failure = _fail(steps["user"], exc)
        user = None
    if user is not None:
        steps["user"].update(state="passed", message=f"{user.username} in {user.org.name}.")
        effective = effective_sso_of(user.org_id)
        other = (
            AuthProvider.objects.filter(id=effective.provider_id).first()
            if effective.uses_sso
            else None
        )
        report.update(
            user={
                "username": user.username,
                "active": user.is_active,
                "localSignIn": user.local_sign_in,
            },
            org=user.org.name,
            effectiveProvider=other.display_name if other else "password sign-in",
        )
        try:
            signin_checks.check_org_provider(user, provider)
            steps["org"].update(
                state="passed", message=f"{user.org.name} signs in with {provider.display_name}."
            )
        except _FAILURES as exc:
            failure = _fail(steps["org"], exc)
    try:
        with transaction.atomic():
            replay.record_consumed(assertion, tenant=rec.tenant, now=now)
            outstanding.consume(rec, now=now)
        steps["replay"]["state"] = "passed"
    except _FAILURES as exc:
        if isinstance(exc, AssertionReplayed):
            replay.note_first_use(exc, assertion)  # outside the rolled-back transaction
        code = _fail(steps["replay"], exc)
        failure = failure or code
    return failure


def _store(rec, report: dict, passed: bool, now: datetime) -> SignInTestResult:
    """Save the report and keep only the provider's last :data:`KEEP_RESULTS`."""
    result = SignInTestResult.objects.create(
        id=uuid.uuid4(),
        tenant=rec.tenant,
        provider=rec.provider,
        started_by=rec.started_by,
        created_at=now,
        passed=passed,
        report=report,
    )
    keep = (
        SignInTestResult.objects.filter(provider=rec.provider)
        .order_by("-created_at")
        .values_list("id", flat=True)
    )
    SignInTestResult.objects.filter(provider=rec.provider).exclude(
        id__in=list(keep[:KEEP_RESULTS])
    ).delete()
    return result


def _provider(request, provider_id) -> AuthProvider:
    provider = AuthProvider.objects.filter(tenant=request.tenant, id=provider_id).first()
    if provider is None:
        raise Http404("No authentication provider with this id in your tenant.")
    return provider


@never_cache
@require_http_methods(["GET", "POST"])
@console_view(Capability.IDENTITY_MANAGE)
def provider_test(request, provider_id):
    """GET: explain the test and list the last results; POST: start a test-mode sign-in at the IdP."""
    provider = _provider(request, provider_id)
    if request.method == "POST":
        return redirect_to_idp(
            request,
            tenant=request.tenant,
            provider=provider,
            username=request.user.username,
            return_path=request.path,
            test_mode=True,
            started_by=request.user,
        )
    results = SignInTestResult.objects.filter(provider=provider).order_by("-created_at")[
        :KEEP_RESULTS
    ]
    return render(
        request,
        "sso/test_start.html",
        {
            "provider": provider,
            "results": results,
            "failures": recent_sign_in_failures(provider, limit=10),
            "steps": STEPS,
        },
    )


@never_cache
@require_http_methods(["GET"])
@console_view(Capability.IDENTITY_MANAGE)
def provider_test_result(request, provider_id, result_id):
    """Show one stored test report."""
    provider = _provider(request, provider_id)
    result = SignInTestResult.objects.filter(provider=provider, id=result_id).first()
    if result is None:
        raise Http404(
            "This test result is gone: only the last few results are kept. Run the test again."
        )
    return render(
        request,
        "sso/test_result.html",
        {"provider": provider, "result": result, "report": result.report},
    )
