"""``GET /login?username=U`` for a user whose org signs in with a provider (docs/rules.md#sign-in-endpoints)."""

from __future__ import annotations

import base64
import html
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from ssoconsole.audit.models import AuditEvent
from ssoconsole.sso import outstanding
from ssoconsole.sso.providers import set_advanced_settings
from ssoconsole.sso.signin_models import SignInRequest
from ssoconsole.sso.sp_identity import sp_identity

from . import helpers


def test_an_sso_user_is_sent_to_the_idp_with_samlrequest_relaystate_and_a_cookie(
    browser_client, sso_user, tenant
):
    """302 to the provider's HTTP-Redirect URL; the AuthnRequest names our entity ID and ACS; a cookie binds it."""
    started = browser_client.start(sso_user.username)
    assert started["url"] == helpers.SSO_URL_A
    assert started["issuer"] == f"http://testserver/{tenant.id}" or started["issuer"].endswith(
        f"/{tenant.id}"
    )
    assert started["acs"].endswith(f"/sso/{tenant.id}/acs")
    record = SignInRequest.objects.get(request_id=started["id"])
    assert (
        record.tenant_id == tenant.id
        and record.username == sso_user.username
        and not record.test_mode
    )
    cookie = started["response"].cookies[outstanding.cookie_name(started["relay_state"])]
    assert cookie["httponly"] and cookie["path"] == f"/sso/{tenant.id}/acs"
    assert cookie["samesite"] == "Lax" and not cookie["secure"]  # plain-http development base URL
    assert 0 < int(cookie["max-age"]) <= 600
    assert record.binding_hash != cookie.value  # only a hash is stored


def test_relaystate_is_an_opaque_random_token_never_the_return_url(browser_client, sso_user):
    """docs/rules.md#opaque-browser-round-trips: RelayState carries no URL; the return path stays on the server."""
    first = browser_client.start(sso_user.username, next="/console/users/")
    second = browser_client.start(sso_user.username, next="/console/users/")
    for started in (first, second):
        assert "/" not in started["relay_state"] and "console" not in started["relay_state"]
        assert len(started["relay_state"]) >= 40
    assert first["relay_state"] != second["relay_state"]
    assert SignInRequest.objects.get(request_id=first["id"]).return_path == "/console/users/"


def test_a_foreign_return_path_is_replaced_by_the_console_home(browser_client, sso_user):
    """Only same-origin paths are kept as the place to return to."""
    started = browser_client.start(sso_user.username, next="https://evil.example/")
    assert SignInRequest.objects.get(request_id=started["id"]).return_path == "/console/"


def test_under_https_the_cookie_is_samesite_none_and_secure(browser_client, sso_user, settings):
    """The IdP's POST back is cross-site; only SameSite=None; Secure survives it (REFERENCES, complaint 7)."""
    settings.SSOCONSOLE_BASE_URL = "https://console.example.com"
    started = browser_client.start(sso_user.username)
    cookie = started["response"].cookies[outstanding.cookie_name(started["relay_state"])]
    assert cookie["samesite"] == "None" and cookie["secure"] and cookie["httponly"]
    assert started["acs"] == f"https://console.example.com/sso/{browser_client.tenant.id}/acs"


def test_the_request_follows_the_providers_request_settings(browser_client, sso_user, provider):
    """NameIDPolicy, RequestedAuthnContext and ForceAuthn come from "Set SAML attributes for SSO"."""
    set_advanced_settings(
        provider,
        authn_context_class_ref="urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
        force_authn=True,
    )
    root = browser_client.start(sso_user.username)["root"]
    ns = {
        "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
        "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    }
    assert root.get("ForceAuthn") == "true"
    ref = root.find("samlp:RequestedAuthnContext/saml:AuthnContextClassRef", ns)
    assert ref is not None and ref.text == "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
    assert root.find("samlp:RequestedAuthnContext", ns).get("Comparison") == "exact"


def test_a_provider_that_signs_requests_gets_a_query_signed_with_the_tenants_sp_key(
    browser_client,
    sso_user,
    provider,
    tenant,
):
    """SAML Bindings 3.4.4.1: RSA-SHA256 over SAMLRequest, RelayState and SigAlg, verifiable with the SP certificate."""
    set_advanced_settings(provider, sign_requests=True)
    started = browser_client.start(sso_user.username)
    query = started["query"]
    assert query["SigAlg"] == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    raw = started["response"]["Location"].split("?", 1)[1]
    fields = dict(part.split("=", 1) for part in raw.split("&"))
    signed = "&".join(
        f"{name}={fields[name]}" for name in ("SAMLRequest", "RelayState", "SigAlg")
    ).encode()
    certificate = x509.load_pem_x509_certificate(sp_identity(tenant).certificate_pem.encode())
    certificate.public_key().verify(
        base64.b64decode(query["Signature"]), signed, padding.PKCS1v15(), hashes.SHA256()
    )
    assert quote(query["RelayState"], safe="") == fields["RelayState"]


def test_a_local_user_keeps_the_password_step_in_an_sso_org(client, make_user, sso_org):
    """The administrator's "local users" keep password sign-in for troubleshooting."""
    from ssoconsole.accounts.services import update_user

    local = update_user(make_user(org=sso_org), local_sign_in=True)
    response = client.get("/login", {"username": local.username})
    assert response.status_code == 200 and b'type="password"' in response.content


def test_a_user_with_a_live_session_needs_no_idp_round_trip(browser_client, sso_user, tenant):
    """docs/rules.md#session-lifetime: until the session ends, no new prompt; /login goes straight to the page asked for."""
    started = browser_client.start(sso_user.username)
    browser_client.post_acs(
        helpers.answer(tenant, started["id"], sso_user.username), started["relay_state"]
    )
    again = browser_client.client.get(
        "/login", {"username": sso_user.username, "next": "/console/users/"}
    )
    assert again.status_code == 302 and again["Location"] == "/console/users/"
    assert SignInRequest.objects.filter(username=sso_user.username).count() == 1


def test_several_providers_are_listed_by_display_name(browser_client, sso_user, tenant):
    """Tutorial Step 3: with more than one provider, users see a list to choose from."""
    helpers.make_provider(
        tenant,
        "Okta Workforce",
        entity_id=helpers.ENTITY_B,
        sso_url=helpers.SSO_URL_B,
        kp=helpers.key("idp-b"),
    )
    response = browser_client.client.get("/login", {"username": sso_user.username})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose your identity provider" in page
    assert page.index("Entra ID") < page.index("Okta Workforce")


def test_choosing_another_orgs_provider_names_the_right_one(
    browser_client, sso_user, tenant, provider
):
    """docs/rules.md#several-providers: the wrong pick fails with a clear message that names the provider to pick."""
    other = helpers.make_provider(
        tenant,
        "Okta Workforce",
        entity_id=helpers.ENTITY_B,
        sso_url=helpers.SSO_URL_B,
        kp=helpers.key("idp-b"),
    )
    c = browser_client.client
    c.get("/login", {"username": sso_user.username})
    wrong = c.post(
        "/sso/choose-provider", {"username": sso_user.username, "provider": str(other.id)}
    )
    assert wrong.status_code == 400
    text = html.unescape(wrong.content.decode())
    assert (
        "“Okta Workforce” is not your organization's identity provider. Choose “Entra ID”." in text
    )
    assert AuditEvent.objects.filter(
        reason_code="sso.wrong_provider", actor_id=sso_user.id
    ).exists()
    right = c.post(
        "/sso/choose-provider", {"username": sso_user.username, "provider": str(provider.id)}
    )
    assert right.status_code == 302 and right["Location"].startswith(helpers.SSO_URL_A)


def test_sso_redirects_are_throttled_per_address_with_a_429_page(
    browser_client, sso_user, settings, clock
):
    """A script cannot make the console store requests and call the IdP without limit (rate lowered here)."""
    settings.SSOCONSOLE_THROTTLE = {"sso-start-address": (3, 900, 3)}
    for _ in range(3):
        browser_client.start(sso_user.username)
    response = browser_client.client.get("/login", {"username": sso_user.username})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many single sign-on attempts" in response.content.decode()


def test_an_org_pointing_at_a_vanished_provider_gets_a_readable_page(client, sso_user, sso_org):
    """Data from before a provider was removed: a 409 page that tells the administrator what to fix."""
    import uuid

    from ssoconsole.tenancy.models import Organization

    Organization.objects.filter(id=sso_org.id).update(sso_provider_id=uuid.uuid4())
    response = client.get("/login", {"username": sso_user.username})
    assert response.status_code == 409 and "sso.provider_missing" in response.content.decode()
