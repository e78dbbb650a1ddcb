"""SP key rotation from the API of a live console, with an encrypted response in flight.

The IdP (the test) encrypts assertions to whatever encryption certificate
the console handed out when the sign-in started, as Entra ID's Token
encryption does until its administrator activates another certificate. The
rotation must not break a sign-in whose response was encrypted for the old
key, and the old key must outlive every response that can still arrive.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import unquote

import pytest
import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree
from signin import helpers as idp

from ssoconsole.audit.models import AuditEvent
from ssoconsole.saml.config import ServiceProvider
from ssoconsole.sso.sp_rotation import GRACE

from .lifecycle_support import USERNAME

pytestmark = pytest.mark.django_db(transaction=True)
MD = {"md": "urn:oasis:names:tc:SAML:2.0:metadata", "ds": "http://www.w3.org/2000/09/xmldsig#"}


def recipient(cert_pem: str) -> idp.signing.KeyPair:
    """The SP's public certificate, in the shape the test IdP's encryption takes."""
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    return idp.signing.KeyPair(
        private_key=None,
        cert_der=cert.public_bytes(serialization.Encoding.DER),
        cert_pem=cert_pem.encode(),
        key_pem=b"",
    )


class Started:
    """A sign-in started at /login, answered later with an assertion encrypted for ``encrypt_for``."""

    def __init__(self, console) -> None:
        self.console = console
        self.browser = requests.Session()
        login = self.browser.get(
            f"{console.url}/login",
            params={"username": USERNAME},
            allow_redirects=False,
            timeout=30,
        )
        assert login.status_code == 302, login.text[:300]
        self.request = idp.parse_redirect(login.headers["Location"])

    def answer(self, encrypt_for: str) -> requests.Response:
        c = self.console
        sp = ServiceProvider(
            entity_id=f"{c.url}/{c.tenant.id}", acs_url=f"{c.url}/sso/{c.tenant.id}/acs"
        )
        value = idp.answer(
            None,
            self.request["id"],
            USERNAME,
            kp=idp.key("idp-a"),
            sp=sp,
            now=c.clock.now(),
            encrypt_for=recipient(encrypt_for),
        )
        return self.browser.post(
            f"{c.url}/sso/{c.tenant.id}/acs",
            data={"SAMLResponse": value, "RelayState": self.request["relay_state"]},
            allow_redirects=False,
            timeout=30,
        )


def keys(console) -> dict:
    return console.api.get(f"{console.url}/api/v1/service-provider/keys", timeout=30).json()


def step(console, purpose: str, action: str) -> requests.Response:
    return console.api.post(
        f"{console.url}/api/v1/service-provider/keys/{purpose}/{action}", timeout=30
    )


def published(console, use: str) -> list[str]:
    xml = requests.get(f"{console.url}/sso/{console.tenant.id}/metadata", timeout=30).content
    return [
        "".join(c.text.split())
        for c in etree.fromstring(xml).iterfind(
            f".//md:KeyDescriptor[@use='{use}']/ds:KeyInfo/ds:X509Data/ds:X509Certificate", MD
        )
    ]


def verifies(console, cert_pem: str) -> bool:
    """Start a sign-in; tell whether its HTTP-Redirect signature verifies with ``cert_pem``.

    SAML Bindings 3.4.4.1: RSA-SHA256 over SAMLRequest, RelayState and SigAlg as sent.
    """
    login = requests.get(
        f"{console.url}/login", params={"username": USERNAME}, allow_redirects=False, timeout=30
    )
    raw = login.headers["Location"].split("?", 1)[1]
    fields = dict(part.split("=", 1) for part in raw.split("&"))
    signed = "&".join(f"{n}={fields[n]}" for n in ("SAMLRequest", "RelayState", "SigAlg"))
    key = x509.load_pem_x509_certificate(cert_pem.encode()).public_key()
    try:
        key.verify(
            base64.b64decode(unquote(fields["Signature"])),
            signed.encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        return False
    return True


def _b64(cert_pem: str) -> str:
    return "".join(cert_pem.strip().splitlines()[1:-1])


def test_an_encryption_key_rotation_keeps_an_in_flight_encrypted_response_working(console):
    console.add_provider(idp.key("idp-a"))
    old = keys(console)["encryption"]["current"]["certificatePem"]
    in_flight = Started(console)  # the IdP will encrypt this one for the old certificate

    prepared = step(console, "encryption", "prepare")
    assert prepared.status_code == 200, prepared.text
    new = prepared.json()["next"]["certificatePem"]
    assert prepared.json()["stage"] == "prepared"
    assert "Token encryption > Import certificate" in prepared.json()["nextStep"]
    assert published(console, "encryption") == [_b64(old), _b64(new)]

    # An IdP that switched early (before the console) is decrypted with the next key.
    assert Started(console).answer(encrypt_for=new).status_code == 303

    switched = step(console, "encryption", "switch").json()
    assert switched["stage"] == "switched"
    assert switched["current"]["certificatePem"] == new
    assert switched["previous"]["certificatePem"] == old
    assert published(console, "encryption") == [_b64(new)]

    answered = in_flight.answer(encrypt_for=old)
    assert answered.status_code == 303, answered.text[-1500:]
    assert in_flight.browser.get(f"{console.url}/api/v1/me", timeout=30).json()["username"]

    # The old key just decrypted a response: it may still be in use, so it stays.
    early = step(console, "encryption", "retire")
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "sso.sp_key_retire_too_early"
    assert "Token encryption" in early.json()["error"]["message"]

    console.clock.advance(seconds=GRACE.total_seconds() + 1)
    retired = step(console, "encryption", "retire")
    assert retired.status_code == 200 and retired.json()["stage"] == "steady"
    refused = Started(console).answer(encrypt_for=old)
    assert refused.status_code == 400 and "saml.decryption_failed" in refused.text
    assert Started(console).answer(encrypt_for=new).status_code == 303

    actions = list(
        AuditEvent.objects.filter(action__startswith="sp_identity.key_")
        .order_by("created_at")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == [
        "sp_identity.key_prepared",
        "sp_identity.key_switched",
        "sp_identity.key_retired",
    ]


def test_a_signing_key_rotation_publishes_both_certificates_across_the_switch(console):
    """Requests are signed with the new key from the switch; the old certificate stays until retired."""
    created = console.add_provider(idp.key("idp-a"))
    console.api.put(
        f"{console.url}/api/v1/auth-providers/{created['id']}/advanced-settings",
        json={"signRequests": True},
        timeout=30,
    )
    old = keys(console)["signing"]["current"]["certificatePem"]
    new = step(console, "signing", "prepare").json()["next"]["certificatePem"]
    assert published(console, "signing") == [_b64(old), _b64(new)]
    assert "Verification certificates" in keys(console)["signing"]["nextStep"]

    assert verifies(console, old) and not verifies(console, new)
    assert step(console, "signing", "switch").status_code == 200
    assert published(console, "signing") == [_b64(new), _b64(old)]
    assert verifies(console, new) and not verifies(console, old)
    assert step(console, "signing", "prepare").json()["error"]["code"] == (
        "sso.sp_key_previous_not_retired"
    )
    console.clock.advance(seconds=(GRACE + timedelta(seconds=1)).total_seconds())
    assert step(console, "signing", "retire").status_code == 200
    assert published(console, "signing") == [_b64(new)]


def test_steps_out_of_order_are_refused_with_what_to_do(console):
    assert (
        step(console, "encryption", "switch").json()["error"]["code"] == "sso.sp_key_not_prepared"
    )
    assert step(console, "signing", "retire").json()["error"]["code"] == (
        "sso.sp_key_nothing_to_retire"
    )
    assert step(console, "encryption", "prepare").status_code == 200
    again = step(console, "encryption", "prepare")
    assert again.status_code == 409 and "Switch to it" in again.json()["error"]["message"]
    sideways = step(console, "sideways", "prepare")
    assert sideways.status_code == 404 and sideways.json()["error"]["message"]
