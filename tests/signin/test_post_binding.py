"""AuthnRequests by HTTP-POST for IdPs whose metadata lists only an HTTP-POST endpoint (SAML Bindings 3.5)."""

from __future__ import annotations

import base64
import re
import subprocess
import zlib

import pytest
from django.contrib.staticfiles import finders
from lxml import etree, html

from ssoconsole.sso import outstanding
from ssoconsole.sso.providers import set_advanced_settings
from ssoconsole.sso.signin_models import SignInRequest
from ssoconsole.sso.sp_identity import sp_identity

from . import helpers

POST_URL = "https://idp.example.org/idp/profile/SAML2/POST/SSO"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"


@pytest.fixture
def post_provider(tenant):
    return helpers.make_provider(
        tenant, "Contoso Shibboleth", sso_url=POST_URL, bindings=(helpers.BINDING_POST,)
    )


@pytest.fixture
def post_user(make_user, test_org, post_provider):
    helpers.use_provider(test_org, post_provider)
    return make_user("grace@example.org", org=test_org, password=None)


def start_post(browser, username: str) -> dict:
    """GET /login for a POST-only provider; return the form page parsed (asserting a 200 page, not a redirect)."""
    response = browser.client.get("/login", {"username": username})
    assert response.status_code == 200, response.content[:500]
    page = html.fromstring(response.content)
    (form,) = page.xpath("//form[@id='saml-authn-request']")
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    xml = base64.b64decode(fields["SAMLRequest"], validate=True)
    return {
        "response": response,
        "page": page,
        "form": form,
        "fields": fields,
        "xml": xml,
        "root": etree.fromstring(xml),
        "relay_state": fields.get("RelayState"),
    }


def test_a_post_only_provider_gets_an_auto_submitting_form_instead_of_a_refusal(
    browser_client, post_user, tenant
):
    """The form posts SAMLRequest and RelayState to the POST endpoint, and the request names it as Destination."""
    started = start_post(browser_client, post_user.username)
    assert started["form"].get("method") == "post" and started["form"].get("action") == POST_URL
    assert set(started["fields"]) == {
        "SAMLRequest",
        "RelayState",
    }  # no CSRF token handed to another site
    root = started["root"]
    assert root.tag == f"{{{SAMLP}}}AuthnRequest"
    assert root.get("Destination") == POST_URL
    assert root.get("AssertionConsumerServiceURL").endswith(f"/sso/{tenant.id}/acs")
    assert root.find(f"{{{DS}}}Signature") is None
    record = SignInRequest.objects.get(request_id=root.get("ID"))
    assert record.provider.sso_url_post == POST_URL and record.username == post_user.username
    assert "no-store" in started["response"]["Cache-Control"]


def test_the_posted_request_is_plain_base64_without_deflate(browser_client, post_user):
    """SAML Bindings 3.5.4: the POST binding base64-encodes the XML as is; DEFLATE is for Redirect only."""
    started = start_post(browser_client, post_user.username)
    assert started["xml"].startswith(b"<samlp:AuthnRequest")
    with pytest.raises(zlib.error):
        zlib.decompress(base64.b64decode(started["fields"]["SAMLRequest"]), -15)


def test_the_page_submits_without_inline_script_and_offers_a_button(browser_client, post_user):
    """A static script submits the form; without JavaScript the person presses "Continue to <provider>"."""
    started = start_post(browser_client, post_user.username)
    scripts = started["page"].xpath("//script")
    assert scripts and all(s.get("src") and not (s.text or "").strip() for s in scripts)
    assert any(s.get("src").endswith("/sso/autopost.js") for s in scripts)
    assert finders.find("sso/autopost.js")
    (button,) = started["form"].xpath(".//button[@type='submit']")
    assert button.text_content().strip() == "Continue to Contoso Shibboleth"
    assert started["page"].xpath("//noscript")


def test_the_browser_binding_cookie_is_the_same_as_for_redirects(browser_client, post_user, tenant):
    started = start_post(browser_client, post_user.username)
    cookie = started["response"].cookies[outstanding.cookie_name(started["relay_state"])]
    assert (
        cookie["httponly"]
        and cookie["path"] == f"/sso/{tenant.id}/acs"
        and cookie["samesite"] == "Lax"
    )
    assert 0 < int(cookie["max-age"]) <= 600


def test_redirect_stays_preferred_when_both_bindings_are_listed(
    browser_client, tenant, test_org, make_user
):
    provider = helpers.make_provider(
        tenant, "Both", bindings=(helpers.BINDING_POST, helpers.BINDING_REDIRECT)
    )
    helpers.use_provider(test_org, provider)
    user = make_user("both@example.org", org=test_org, password=None)
    started = browser_client.start(user.username)
    assert (
        started["url"] == helpers.SSO_URL_A
        and started["root"].get("Destination") == helpers.SSO_URL_A
    )


def test_the_round_trip_signs_the_user_in(browser_client, post_user, tenant):
    """The IdP answers the posted request; the ACS accepts the answer and starts the session."""
    started = start_post(browser_client, post_user.username)
    value = helpers.answer(tenant, started["root"].get("ID"), post_user.username)
    response = browser_client.post_acs(value, started["relay_state"])
    assert response.status_code == 303, response.content[:400]
    assert browser_client.me().json()["username"] == post_user.username


def xmlsec1_verifies(xml: bytes, cert_pem: bytes, tmp_path) -> subprocess.CompletedProcess:
    (tmp_path / "request.xml").write_bytes(xml)
    (tmp_path / "sp.pem").write_bytes(cert_pem)
    return subprocess.run(
        [
            "xmlsec1",
            "--verify",
            "--pubkey-cert-pem",
            str(tmp_path / "sp.pem"),
            "--id-attr:ID",
            f"{SAMLP}:AuthnRequest",
            str(tmp_path / "request.xml"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_provider_that_signs_requests_gets_an_enveloped_signature_xmlsec1_accepts(
    browser_client,
    post_user,
    post_provider,
    tenant,
    tmp_path,
):
    """SAML Bindings 3.5.4.1 and Core 5.4: RSA-SHA256 enveloped signature after the Issuer, by the SP signing key."""
    set_advanced_settings(post_provider, sign_requests=True)
    started = start_post(browser_client, post_user.username)
    root = started["root"]
    children = [child.tag for child in root]
    assert children[:2] == [f"{{{SAML}}}Issuer", f"{{{DS}}}Signature"]
    method = root.find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod")
    assert method.get("Algorithm") == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    cert_pem = sp_identity(tenant).certificate_pem.encode()
    result = xmlsec1_verifies(started["xml"], cert_pem, tmp_path)
    assert result.returncode == 0, result.stderr

    tampered = started["xml"].replace(POST_URL.encode(), b"https://evil.example/SSO", 1)
    assert xmlsec1_verifies(tampered, cert_pem, tmp_path).returncode != 0


def test_a_signed_posted_request_still_signs_the_user_in(
    browser_client, post_user, post_provider, tenant
):
    set_advanced_settings(post_provider, sign_requests=True)
    started = start_post(browser_client, post_user.username)
    value = helpers.answer(tenant, started["root"].get("ID"), post_user.username)
    assert browser_client.post_acs(value, started["relay_state"]).status_code == 303


def test_the_request_field_is_strict_base64(browser_client, post_user):
    """One line of the standard alphabet: no line breaks or URL escapes that a lenient IdP decoder would need."""
    value = start_post(browser_client, post_user.username)["fields"]["SAMLRequest"]
    assert re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", value)


def test_a_post_only_provider_can_be_tested_from_its_details_page(
    browser_client, identity_admin, password, post_user, post_provider, tenant
):
    """The provider test sends its request the same way, and reports the answer as for a Redirect provider."""
    from django.urls import reverse

    signed_in = browser_client.client.post(
        "/login", {"step": "password", "username": identity_admin.username, "password": password}
    )
    assert signed_in.status_code == 302
    response = browser_client.client.post(reverse("sso:provider-test", args=[post_provider.id]))
    assert response.status_code == 200
    form = html.fromstring(response.content).xpath("//form[@id='saml-authn-request']")[0]
    assert form.get("action") == POST_URL
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    request_id = etree.fromstring(base64.b64decode(fields["SAMLRequest"])).get("ID")
    assert SignInRequest.objects.get(request_id=request_id).test_mode
    value = helpers.answer(tenant, request_id, post_user.username)
    assert browser_client.post_acs(value, fields["RelayState"]).status_code == 303
