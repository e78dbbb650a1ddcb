"""A minimal service provider mounted beside the real app for the browser tests.

``/test-sp/login`` starts SP-initiated sign-in with an HTTP-Redirect
AuthnRequest; ``/test-sp/acs`` receives the HTTP-POST response, verifies it
with signxml against the app's certificate, and shows what it read. Test-only:
it lets the browser walk My Apps tile → Sign on URL → IdP → ACS without
involving the product's SP (that is the walk-through test's job).
"""

from __future__ import annotations

import base64
import html
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

import ssoconsole.urls
from devidp.saml_client import NS, authn_request, parse, redirect_encode, verify_with_signxml
from ssoconsole.devidp import services
from ssoconsole.devidp.models import EnterpriseApp

ENTITY_ID = "urn:test-sp:browser"


def login(request):
    base = settings.SSOCONSOLE_BASE_URL
    acs = request.GET.get("acs") or f"{base}/test-sp/acs"
    _, xml = authn_request(issuer=ENTITY_ID, acs_url=acs)
    app = EnterpriseApp.objects.get(identifier=ENTITY_ID)
    query = urlencode({"SAMLRequest": redirect_encode(xml), "RelayState": "browser-relay"})
    return HttpResponseRedirect(f"{services.sso_url(app.directory)}?{query}")


@csrf_exempt
def acs(request):
    xml = base64.b64decode(request.POST["SAMLResponse"])
    app = EnterpriseApp.objects.get(identifier=ENTITY_ID)
    assertion = parse(xml).find("saml:Assertion", NS)
    signed = verify_with_signxml(assertion, services.active_certificate(app).certificate_pem)
    name_id = signed.findtext("saml:Subject/saml:NameID", namespaces=NS)
    body = (
        "<!doctype html><title>Test SP</title><h1>Signed in at the test SP</h1>"
        f"<p id='nameid'>{html.escape(name_id)}</p><p id='relay'>{html.escape(request.POST.get('RelayState', ''))}</p>"
    )
    return HttpResponse(body)


urlpatterns = [path("test-sp/login", login), path("test-sp/acs", acs), *ssoconsole.urls.urlpatterns]
