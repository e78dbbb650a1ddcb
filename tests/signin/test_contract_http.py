"""The sign-in contract (docs/rules.md#sign-in-endpoints), end to end over HTTP against the running app (pytest-django's live server).

The administrator's steps go through the REST API exactly as the tutorial's
order has them; the identity provider is the test IdP key, whose responses
are signed at test time and checked by the real validator.
"""

from __future__ import annotations

import pytest
import requests

from ssoconsole.accounts.roles import Role

from . import helpers

pytestmark = pytest.mark.django_db(transaction=True)


class Api:
    def __init__(self, base: str, token: str) -> None:
        self.base, self.headers = base, {"Authorization": f"Bearer {token}"}

    def __call__(self, method: str, path: str, body=None):
        response = requests.request(
            method, self.base + "/api/v1" + path, json=body, headers=self.headers, timeout=30
        )
        assert response.status_code < 300, (method, path, response.status_code, response.text[:500])
        return response.json() if response.content else None


@pytest.fixture
def api(app_url, make_user, api_token_for):
    admin = make_user("admin@acme.test", roles=[Role.IDENTITY_ADMIN, Role.ORG_ADMIN])
    return Api(app_url, api_token_for(admin))


def sign_in(app_url, tenant, username: str, *, name_id: str | None = None):
    """Walk one browser's sign-in over HTTP; return (the ACS response, the session)."""
    browser = requests.Session()
    login = browser.get(
        f"{app_url}/login", params={"username": username}, allow_redirects=False, timeout=30
    )
    assert login.status_code == 302 and login.headers.get("Set-Cookie"), login.text[:300]
    started = helpers.parse_redirect(login.headers["Location"])
    assert started["url"] == helpers.SSO_URL_A and started["relay_state"]
    value = helpers.answer(tenant, started["id"], name_id or username)
    acs = browser.post(
        started["acs"],
        data={"SAMLResponse": value, "RelayState": started["relay_state"]},
        allow_redirects=False,
        timeout=30,
    )
    return acs, browser


def test_the_sign_in_contract_holds_over_http(app_url, tenant, api, sso_user):
    """GET /login?username → 302 with SAMLRequest, RelayState, a cookie; POST acsUrl → 303 and a session."""
    sp = api("GET", "/service-provider")
    assert sp["acsUrl"] == f"{app_url}/sso/{tenant.id}/acs"
    acs, browser = sign_in(app_url, tenant, sso_user.username)
    assert acs.status_code in (302, 303) and acs.headers["Location"] == "/console/"
    assert "ssoconsole_session" in acs.cookies
    me = browser.get(f"{app_url}/api/v1/me", timeout=30)
    assert me.status_code == 200 and me.json()["username"] == sso_user.username
    assert browser.get(f"{app_url}/console/", timeout=30, allow_redirects=False).status_code == 200


def test_garbage_posted_to_the_acs_is_a_4xx_page_over_http(app_url, tenant):
    for form in (
        {"SAMLResponse": "bm90IHhtbA==", "RelayState": "x"},
        {"SAMLResponse": "\x00" * 100},
        {"x": "y"},
    ):
        response = requests.post(f"{app_url}/sso/{tenant.id}/acs", data=form, timeout=30)
        assert 400 <= response.status_code < 500 and "Go to the login page" in response.text


def test_the_tutorials_order_over_http(app_url, tenant, api):
    """Steps 3-6: provider created and applied to a test org only; a test user signs in; a user of another
    org is refused; the provider applied to the top org; the other org's user now signs in by inheritance."""
    provider = api(
        "POST",
        "/auth-providers",
        {
            "displayName": "Entra ID",
            "metadataXml": helpers.metadata(
                helpers.ENTITY_A, helpers.SSO_URL_A, helpers.key()
            ).decode(),
        },
    )
    top = next(o for o in api("GET", "/orgs")["items"] if not o.get("parentId"))
    test_org = api("POST", "/orgs", {"name": "SSO test"})
    sales = api("POST", "/orgs", {"name": "Sales"})
    tester = api("POST", "/users", {"username": "Test.User@acme.test", "orgId": test_org["id"]})
    seller = api("POST", "/users", {"username": "seller@acme.test", "orgId": sales["id"]})

    # Step 3: created, used by no org yet: the test user still gets the password step.
    page = requests.get(
        f"{app_url}/login",
        params={"username": tester["username"]},
        allow_redirects=False,
        timeout=30,
    )
    assert page.status_code == 200 and 'type="password"' in page.text

    # Step 5: applied to the test org only; the test user signs in with SSO (username case differs at the IdP).
    api("PUT", f"/auth-providers/{provider['id']}/orgs", {"orgIds": [test_org["id"]]})
    acs, _ = sign_in(app_url, tenant, tester["username"], name_id="test.user@ACME.test")
    assert acs.status_code == 303

    # A user of another org is refused, even with a valid assertion for this provider.
    browser = requests.Session()
    started_for_tester = helpers.parse_redirect(
        browser.get(
            f"{app_url}/login",
            params={"username": tester["username"]},
            allow_redirects=False,
            timeout=30,
        ).headers["Location"]
    )
    refused = browser.post(
        started_for_tester["acs"],
        data={
            "SAMLResponse": helpers.answer(tenant, started_for_tester["id"], seller["username"]),
            "RelayState": started_for_tester["relay_state"],
        },
        allow_redirects=False,
        timeout=30,
    )
    assert refused.status_code == 403 and "sso.org_not_using_sso" in refused.text
    assert browser.get(f"{app_url}/api/v1/me", timeout=30).status_code == 401

    # Step 6: applied to the top org; Sales inherits it and its user signs in.
    api("PUT", f"/auth-providers/{provider['id']}/orgs", {"orgIds": [test_org["id"], top["id"]]})
    acs, seller_browser = sign_in(app_url, tenant, seller["username"])
    assert acs.status_code == 303
    assert (
        seller_browser.get(f"{app_url}/api/v1/me", timeout=30).json()["username"]
        == seller["username"]
    )
