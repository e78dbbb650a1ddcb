"""The assertion consumer service: ``POST {BASE}/sso/{tenantId}/acs`` (SAML Bindings 3.5, HTTP-POST).

The order of the rules, each a function that raises its own refusal:

1. a POST, of bounded size, with a SAMLResponse (SAML Bindings 3.5.4);
2. the outstanding request that RelayState names, bound to this browser by
   its cookie and not expired (:mod:`~ssoconsole.sso.outstanding`;
   docs/rules.md#sp-initiated-only);
3. the SAML core's validation against that request's provider and ID;
4. the attribute mapping, the user of this tenant, the org's provider
   (:mod:`~ssoconsole.sso.signin_checks`);
5. in one transaction: the assertion recorded as consumed (SAML Profiles
   4.1.4.5), the request consumed, the names updated, the session started
   and written (one commit per sign-in; purging expired rows is the
   scheduler's job, :mod:`~ssoconsole.sso.housekeeping`, not the request's).

A successful sign-in reads three rows (the outstanding request joined with
its tenant, provider and SP identity; the user; the org's ancestors) and
writes in one transaction: ``tests/signin/test_query_counts.py`` pins it.

Every refusal becomes a 4xx page in :mod:`~ssoconsole.sso.refusal_pages`;
whatever is posted, nothing here answers with a 5xx (docs/rules.md#no-5xx).
Test-mode requests take the same checks through :mod:`~ssoconsole.sso.test_mode`
and sign nobody in.
"""

from __future__ import annotations

import logging
from uuid import UUID

from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError, transaction
from django.http import HttpResponseRedirect, UnreadablePostError
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from ssoconsole.accounts import sessions, throttle
from ssoconsole.accounts.browser_marker import set_marker
from ssoconsole.audit.log import diff, record
from ssoconsole.core import clock
from ssoconsole.core.request_info import client_ip
from ssoconsole.saml.errors import SAMLError
from ssoconsole.sso import account_switch, outstanding, replay, signin_checks, test_mode
from ssoconsole.sso import errors as r
from ssoconsole.sso.errors import MappingError
from ssoconsole.sso.models import AuthProvider
from ssoconsole.sso.refusal_pages import refuse, throttled_page
from ssoconsole.sso.unverified import peek
from ssoconsole.tenancy.models import Tenant

log = logging.getLogger("ssoconsole.sso")

# Two limits, neither of which can refuse a response that would verify:
# - posts that match no usable outstanding request (forged, replayed, unsolicited, another browser's) are
#   refused anyway; per address they draw on a rate, and once it is spent they get the 429 page without the
#   XML being read or an audit event written (so a script cannot fill the audit log or burn CPU);
# - a post that does match this browser's outstanding request is always checked, but one request takes at
#   most 3 failed responses: then it is used up, and another attempt needs a new start (itself a rate).
ACS_RULE = throttle.Bucket(
    "sso-acs-address",
    count=600,
    seconds=600,
    burst=60,
    what="from your network address",
    per_address=True,
    noun="refused sign-in responses",
)
REQUEST_RULE = throttle.Rule(
    "sso-acs-request", limit=3, window_seconds=15 * 60, what="for this sign-in"
)


class _Context:
    """What is known so far about the attempt, for the audit event of a refusal."""

    def __init__(self, tenant=None) -> None:
        self.tenant = tenant
        self.tenant_id = None
        self.provider = None
        self.record = None
        self.user = None
        self.username = None
        self.extra: dict = {}


@csrf_exempt  # the IdP's cross-site POST carries no CSRF token; the RelayState + cookie pair binds it instead
@never_cache
def acs(request, tenant_id):
    """Receive the identity provider's answer and sign the user in, or refuse with a readable page."""
    ctx = _Context()
    try:
        if request.method != "POST":
            return refuse(request, r.NotAPost(), audit=False)
        ctx.tenant_id = _tenant_id(tenant_id)
        saml_response, relay_state = _form(request)
        now = clock.now()
        try:
            ctx.record = outstanding.find_request(
                ctx.tenant_id, relay_state, request.COOKIES, now=now
            )
        except (r.IdPInitiatedSignIn, r.RequestNotFound):
            # Reading the XML costs CPU: only while the address has rate left.
            if _rate_left(request):
                ctx.tenant = _tenant(ctx.tenant_id)
                _attribute_by_claimed_issuer(ctx, saml_response)
            raise
        except r.SSORefusal as exc:
            if exc.record is not None:
                ctx.tenant = exc.record.tenant
            raise
        ctx.tenant = ctx.record.tenant
        ctx.provider = ctx.record.provider
        ctx.username = ctx.record.username or None
        if ctx.record.test_mode:
            response = test_mode.run(request, ctx.record, saml_response, now=now)
        else:
            response = _sign_in(request, ctx, saml_response, now)
        # The binding cookie is left to expire (max-age): the record it unlocks is consumed now, so it is
        # worthless, and a resubmitted page then meets the replay check instead of a "cookie missing".
        return response
    except (r.SSORefusal, SAMLError, MappingError) as exc:
        return _refused(request, exc, ctx)
    except DatabaseError:
        raise  # the database is down: ops.faults answers 503 with Retry-After, the one 5xx the ACS gives
    except Exception:  # whatever is posted, the ACS answers with a page, never a 500
        log.exception("unexpected failure in the assertion consumer service (tenant %s)", tenant_id)
        return _refused(request, r.UnexpectedFailure(), ctx)


def _rate_left(request) -> bool:
    try:
        throttle.check_bucket(ACS_RULE, client_ip(request) or "")
    except throttle.Throttled:
        return False
    return True


def _refused(request, exc, ctx: _Context):
    if ctx.tenant is None and ctx.tenant_id is not None:
        # Loaded only now: a successful sign-in gets its tenant with the outstanding request.
        # A tenant that does not exist is the refusal, whatever else was wrong.
        try:
            ctx.tenant = _tenant(ctx.tenant_id)
        except r.TenantNotFound as missing:
            exc = missing
    if ctx.record is None:
        address = client_ip(request) or ""
        try:
            throttle.check_bucket(ACS_RULE, address)
        except throttle.Throttled as limited:
            return throttled_page(request, limited, tenant=ctx.tenant, scope=ACS_RULE.scope)
        throttle.spend(ACS_RULE, address)
    else:
        _count_request_failure(ctx.record)
    return refuse(
        request,
        exc,
        tenant=ctx.tenant,
        provider=ctx.provider,
        user=ctx.user,
        username=ctx.username,
        test_mode=bool(ctx.record is not None and ctx.record.test_mode),
        extra=ctx.extra,
    )


def _count_request_failure(record) -> None:
    """Count a failed response against its outstanding request; use the request up after the last one."""
    key = str(record.pk)
    throttle.record_failure(REQUEST_RULE, key)
    if throttle.retry_after(REQUEST_RULE, key):
        try:
            outstanding.consume(record, now=clock.now())
        except r.RequestAlreadyUsed:
            pass  # another post used it up first: either way it is spent


def _tenant_id(tenant_id) -> UUID:
    try:
        return UUID(str(tenant_id))
    except ValueError:
        raise r.TenantNotFound(actual=str(tenant_id)[:64]) from None


def _tenant(tenant_id: UUID) -> Tenant:
    try:
        return Tenant.objects.get(id=tenant_id)
    except Tenant.DoesNotExist:
        raise r.TenantNotFound(actual=str(tenant_id)) from None


def _form(request) -> tuple[str, str | None]:
    """Return SAMLResponse and RelayState from the POST, refusing oversize or unreadable bodies first."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > signin_checks.MAX_POST_BYTES:
        raise r.RequestTooLarge(
            expected=f"at most {signin_checks.MAX_POST_BYTES} bytes", actual=f"{length} bytes"
        )
    try:
        form = request.POST
    except (
        SuspiciousOperation,
        UnreadablePostError,
    ) as exc:  # RequestDataTooBig, TooManyFieldsSent, ...
        raise r.RequestTooLarge(f"The POST could not be read: {type(exc).__name__}.") from None
    saml_response = form.get("SAMLResponse")
    if not saml_response:
        raise r.ResponseMissing(
            expected="a SAMLResponse form field", actual=sorted(form.keys())[:20]
        )
    return saml_response, form.get("RelayState") or None


def _attribute_by_claimed_issuer(ctx: _Context, saml_response: str) -> None:
    """Name the provider an unsolicited response claims to come from, for its failure list (never trusted)."""
    issuer = peek(saml_response).get("Issuer")
    if issuer:
        ctx.provider = AuthProvider.objects.filter(tenant=ctx.tenant, entity_id=issuer).first()
        ctx.extra["unverifiedIssuer"] = issuer


def _sign_in(request, ctx: _Context, saml_response: str, now):
    """Run the checks and start the session; return the 303 to the page the user asked for."""
    assertion = signin_checks.validate(saml_response, record=ctx.record, now=now)
    ctx.extra["assertionId"] = assertion.assertion_id
    identity = signin_checks.map_username(assertion, ctx.provider)
    ctx.username = identity.username
    user = signin_checks.find_user(ctx.tenant, identity.username)
    ctx.user = user
    signin_checks.check_org_provider(user, ctx.provider)
    expires_at = assertion.session_not_on_or_after
    if expires_at is not None and expires_at <= now:
        raise r.IdPSessionEnded(expected=f"after {now.isoformat()}", actual=expires_at.isoformat())
    audit_data = {
        "providerId": str(ctx.provider.id),
        "provider": ctx.provider.display_name,
        "assertionId": assertion.assertion_id,
        "sessionNotOnOrAfter": expires_at.isoformat() if expires_at else None,
    }
    # Another user's session in this browser: ask before replacing it (login CSRF).
    current = account_switch.needs_confirmation(request, user)
    try:
        with transaction.atomic():
            # First write of the transaction: a replay fails it before anything else is written.
            replay.record_consumed(assertion, tenant=ctx.tenant, now=now)
            outstanding.consume(ctx.record, now=now)
            _update_names(request, user, identity, ctx.provider)
            if current is None:
                sessions.start_session(
                    request, user, method="saml", expires_at=expires_at, audit_data=audit_data
                )
                sessions.save_now(request)
    except r.AssertionReplayed as exc:
        replay.note_first_use(exc, assertion)  # after the rollback: the transaction is unusable
        raise
    except Exception:
        # The transaction rolled back, but the session object still holds the sign-in that
        # start_session put in it: empty it, or the session middleware would save it anyway.
        request.session.flush()
        raise
    if current is not None:
        return account_switch.ask(
            request,
            current=current,
            user=user,
            provider=ctx.provider,
            expires_at=expires_at,
            return_path=ctx.record.return_path,
            audit_data=audit_data,
        )
    response = HttpResponseRedirect(ctx.record.return_path)
    response.status_code = (
        303  # SAML Bindings 3.5.5.2 leaves it open; 303 makes the browser GET the next page
    )
    set_marker(response, user)
    return response


def _update_names(request, user, identity, provider) -> None:
    """Copy first and last name from the assertion when the mapping found them and they changed (audited)."""
    before = {"firstName": user.first_name, "lastName": user.last_name}
    if identity.first_name is not None:
        user.first_name = identity.first_name
    if identity.last_name is not None:
        user.last_name = identity.last_name
    after = {"firstName": user.first_name, "lastName": user.last_name}
    if after == before:
        return
    user.save(update_fields=["first_name", "last_name", "updated_at"])
    record(
        "user.updated",
        tenant=user.tenant,
        actor_label=f"sso:{provider.display_name}"[:254],
        target=user,
        data={**diff(before, after), "source": "saml", "providerId": str(provider.id)},
        request=request,
    )
