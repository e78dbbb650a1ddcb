"""The three steps of a sign-in with none of the work: what Django and gunicorn alone cost.

Each view answers what the load generator needs to go on (an AuthnRequest
it can read, a redirect after the POST, the username as JSON) and does
nothing else: no signature is checked, no session is kept, no row is read
or written. The username rides in a cookie from the first step to the last.
"""

from __future__ import annotations

import base64
import uuid
import zlib
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.views.decorators.csrf import csrf_exempt


def login(request):
    request_id = "_" + uuid.uuid4().hex
    xml = (
        '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{request_id}" Version="2.0" '
        f'AssertionConsumerServiceURL="{settings.BASE_URL}/acs">'
        f"<saml:Issuer>{settings.BASE_URL}/metadata</saml:Issuer></samlp:AuthnRequest>"
    )
    deflate = zlib.compressobj(wbits=-15)
    saml_request = base64.b64encode(deflate.compress(xml.encode()) + deflate.flush()).decode()
    query = urlencode({"SAMLRequest": saml_request, "RelayState": "/me"})
    response = HttpResponseRedirect(f"{settings.IDP_SSO_URL}?{query}")
    response.set_cookie("u", request.GET.get("username", ""), httponly=True, samesite="Lax")
    return response


@csrf_exempt
def acs(request):
    request.POST.get("SAMLResponse")  # the form is read, as every SP must
    response = HttpResponseRedirect("/me")
    response.status_code = 303
    return response


def me(request):
    return JsonResponse({"username": request.COOKIES.get("u", "")})
