"""The peer's three steps, as python3-saml's own Django demo writes them (plus a replay cache)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from onelogin.saml2.auth import OneLogin_Saml2_Auth

from python3_saml_sp.models import ConsumedAssertion


def _request_data(request) -> dict:
    # Like the product, the URL the IdP posts to comes from configuration, not the Host header.
    base = urlsplit(settings.BASE_URL)
    return {
        "https": "on" if base.scheme == "https" else "off",
        "http_host": base.netloc,
        "script_name": request.path,
        "get_data": request.GET.copy(),
        "post_data": request.POST.copy(),
    }


def login(request):
    user = User.objects.filter(username=request.GET.get("username", "").lower()).first()
    if user is None:
        return HttpResponse("unknown user", status=404)
    auth = OneLogin_Saml2_Auth(_request_data(request), settings.SAML_SETTINGS)
    url = auth.login(return_to="/me")
    request.session["AuthNRequestID"] = auth.get_last_request_id()
    return HttpResponseRedirect(url)


@csrf_exempt
def acs(request):
    auth = OneLogin_Saml2_Auth(_request_data(request), settings.SAML_SETTINGS)
    auth.process_response(request_id=request.session.get("AuthNRequestID"))
    if auth.get_errors() or not auth.is_authenticated():
        return HttpResponse(f"refused: {auth.get_last_error_reason()}", status=403)
    not_after = auth.get_last_assertion_not_on_or_after()
    try:
        with transaction.atomic():
            ConsumedAssertion.objects.create(
                assertion_id=auth.get_last_assertion_id(),
                expires_at=datetime.fromtimestamp(not_after, tz=UTC),
            )
    except IntegrityError:
        return HttpResponse("replayed assertion", status=403)
    user = User.objects.filter(username=auth.get_nameid().lower()).first()
    if user is None:
        return HttpResponse("unknown user", status=403)
    request.session.pop("AuthNRequestID", None)
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    response = HttpResponseRedirect("/me")
    response.status_code = 303
    return response


def me(request):
    if not request.user.is_authenticated:
        return JsonResponse({"error": "not signed in"}, status=401)
    return JsonResponse({"username": request.user.username})
