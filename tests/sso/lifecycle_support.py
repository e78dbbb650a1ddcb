"""A live console with an https IdP metadata server, driven over HTTP (used by all the lifecycle tests).

:class:`Console` drives the console like a browser and an API client;
``console_page`` signs an identity admin in with a password and returns a
page. The ``console`` fixture (in ``conftest.py``) builds it.
"""

from __future__ import annotations

import hashlib

import requests
from signin import helpers as idp

from ssoconsole.saml.config import ServiceProvider
from ssoconsole.tenancy.services import set_org_sso

from .helpers import Route

USERNAME = "ada@acme.test"
IDM = "/console/administration/integrations/identity-management/"


class Console:
    def __init__(self, url, api, metadata_server, tenant, org, clock) -> None:
        self.url, self.api, self.metadata_server = url, api, metadata_server
        self.tenant, self.org, self.clock = tenant, org, clock

    def publish(self, *keys) -> None:
        """Make the IdP's metadata URL list ``keys`` (in this order)."""
        document = metadata(*keys)
        self.metadata_server.routes["/federationmetadata.xml"] = Route(body=document)

    def metadata_downloads(self) -> int:
        return self.metadata_server.hits.count("/federationmetadata.xml")

    def add_provider(self, *keys) -> dict:
        self.publish(*keys)
        created = self.api.post(
            f"{self.url}/api/v1/auth-providers",
            json={
                "displayName": "Entra ID",
                "metadataUrl": self.metadata_server.url("/federationmetadata.xml"),
            },
            timeout=30,
        )
        assert created.status_code == 201, created.text
        set_org_sso(self.org, "provider", created.json()["id"])
        return created.json()

    def provider(self, provider_id) -> dict:
        return self.api.get(f"{self.url}/api/v1/auth-providers/{provider_id}", timeout=30).json()

    def sign_in(self, key, browser: requests.Session | None = None) -> requests.Response:
        """Start at /login, let the IdP answer signed with ``key``, post it to the ACS."""
        browser = browser or requests.Session()
        login = browser.get(
            f"{self.url}/login", params={"username": USERNAME}, allow_redirects=False, timeout=30
        )
        assert login.status_code == 302, login.text[:500]
        started = idp.parse_redirect(login.headers["Location"])
        sp = ServiceProvider(
            entity_id=f"{self.url}/{self.tenant.id}", acs_url=f"{self.url}/sso/{self.tenant.id}/acs"
        )
        form = {
            "SAMLResponse": idp.answer(
                None, started["id"], USERNAME, kp=key, sp=sp, now=self.clock.now()
            ),
            "RelayState": started["relay_state"],
        }
        return browser.post(
            f"{self.url}/sso/{self.tenant.id}/acs", data=form, allow_redirects=False, timeout=30
        )


def metadata(*keys) -> bytes:
    """Return the IdP's metadata listing the certificates of ``keys`` as signing keys, in order."""
    one = idp.metadata(idp.ENTITY_A, idp.SSO_URL_A, keys[0])
    end = one.index(b"</md:KeyDescriptor>") + len(b"</md:KeyDescriptor>")
    return one[:end] + _key_descriptors(keys[1:]) + one[end:]


def _key_descriptors(keys) -> bytes:
    parts = []
    for k in keys:
        doc = idp.metadata(idp.ENTITY_A, idp.SSO_URL_A, k)
        start = doc.index(b"<md:KeyDescriptor")
        end = doc.index(b"</md:KeyDescriptor>") + len(b"</md:KeyDescriptor>")
        parts.append(doc[start:end])
    return b"".join(parts)


def console_page(console, path: str) -> str:
    """Sign an identity admin in with a password and return the page's HTML."""
    from ssoconsole.accounts.models import User
    from ssoconsole.accounts.services import create_user
    from ssoconsole.tenancy.services import top_org

    if not User.objects.filter(username="pages@acme.test").exists():
        create_user(
            console.tenant,
            "pages@acme.test",
            org=top_org(console.tenant),
            roles=["identity-admin"],
            password="Pages-password-1234!",
            actor_label="test",
        )
    browser = requests.Session()
    browser.get(f"{console.url}/login", timeout=30)
    signed_in = browser.post(
        f"{console.url}/login",
        data={
            "step": "password",
            "username": "pages@acme.test",
            "password": "Pages-password-1234!",
            "csrfmiddlewaretoken": browser.cookies.get("csrftoken", ""),
        },
        headers={"Referer": f"{console.url}/login"},
        timeout=30,
    )
    assert signed_in.ok and "/console/" in signed_in.url, signed_in.text[-800:]
    return browser.get(f"{console.url}{path}", timeout=30).text


def sha1(key) -> str:
    return hashlib.sha1(key.cert_der).hexdigest().upper()
