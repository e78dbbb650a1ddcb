"""IdP certificate lifecycle over HTTP: a live console, an https metadata server on loopback, a browser.

The console runs as pytest-django's live server and is driven with
``requests`` like a browser and an API client (``lifecycle_support``); the
identity provider's metadata comes from a local https server whose
certificate is issued by a test CA that the console trusts. The IdP's
responses are signed at test time with the keys of ``tests/saml/signing.py``,
whose certificates are valid from 2025-01-01 to 2028-01-01; the app clock is
moved to put them before, near or past expiry.
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime

import pytest
import requests
from signin import helpers as idp

from ssoconsole.audit.models import AuditEvent
from ssoconsole.sso.models import AuthProvider

from .helpers import Route
from .lifecycle_support import IDM, USERNAME, console_page, metadata
from .lifecycle_support import sha1 as _sha1

pytestmark = pytest.mark.django_db(transaction=True)


# --- rollovers -----------------------------------------------------------------------------------


def test_an_unannounced_rollover_costs_no_sign_in(console):
    """The IdP publishes only a new certificate B and signs with it at once: the first sign-in works.

    The response's unknown key makes the console download the metadata once,
    right away, find B there and accept the response; the refresh is audited
    with what triggered it, and B is remembered as the key the IdP signs with.
    """
    a, b = idp.key("idp-a"), idp.key("idp-b")
    created = console.add_provider(a)
    assert console.sign_in(a).status_code == 303

    console.publish(b)
    downloads = console.metadata_downloads()
    browser = requests.Session()
    answered = console.sign_in(b, browser)
    assert answered.status_code == 303, answered.text[-1500:]
    assert browser.get(f"{console.url}/api/v1/me", timeout=30).json()["username"] == USERNAME
    assert console.metadata_downloads() == downloads + 1

    event = AuditEvent.objects.filter(action="auth_provider.metadata_refreshed").latest(
        "created_at"
    )
    assert event.actor_label == "system:unknown-signing-key"
    assert event.data["trigger"] == "unknownSigningKey"
    assert event.data["signerThumbprintSha1"] == _sha1(b)
    certificates = console.provider(created["id"])["certificates"]
    assert [(c["thumbprintSha1"], c["inUse"]) for c in certificates] == [(_sha1(b), True)]


def test_a_burst_of_forged_posts_downloads_the_metadata_once(console):
    """Twenty responses signed by a stranger's key: one refresh per five minutes, not twenty.

    Every refusal names the thumbprint of the key that signed and calls it
    unlike any this provider used; the one refresh is audited.
    """
    a, attacker = idp.key("idp-a"), idp.key("attacker")
    console.add_provider(a)
    downloads = console.metadata_downloads()
    for _ in range(20):
        refused = console.sign_in(attacker)
        assert refused.status_code == 400
        assert "sso.signing_key_foreign" in refused.text
    assert console.metadata_downloads() == downloads + 1
    refreshes = AuditEvent.objects.filter(
        action="auth_provider.metadata_refreshed", actor_label="system:unknown-signing-key"
    )
    assert refreshes.count() == 1
    refusals = AuditEvent.objects.filter(reason_code="sso.signing_key_foreign")
    assert refusals.count() == 20
    assert all(_sha1(attacker) in e.data["adminMessage"] for e in refusals)
    assert "at most every 5 minutes" in refusals.latest("created_at").data["adminMessage"]

    # Five minutes later the next unknown key may trigger a download again.
    console.clock.advance(minutes=5)
    console.sign_in(attacker)
    assert console.metadata_downloads() == downloads + 2


def test_a_certificate_dropped_from_the_metadata_but_still_used_is_named_retired(console):
    """After a cutover the IdP still signs with the old key: the advice is to activate, not refresh."""
    a, b = idp.key("idp-a"), idp.key("idp-b")
    created = console.add_provider(a, b)
    console.publish(b)  # the cutover at the IdP: A leaves the metadata
    console.api.post(f"{console.url}/api/v1/auth-providers/{created['id']}/refresh", timeout=30)
    assert console.sign_in(b).status_code == 303
    refused = console.sign_in(a)
    assert refused.status_code == 400 and "sso.signing_key_retired" in refused.text
    event = AuditEvent.objects.get(reason_code="sso.signing_key_retired")
    assert "Make certificate active" in event.data["adminMessage"]


# --- expiry ----------------------------------------------------------------------------------------


def test_an_expired_certificate_the_idp_still_uses_keeps_sign_in_working_and_says_so(console):
    """Dates are information: past 2028-01-01 the IdP still signs with A, and sign-in works.

    The console warns (roll over at the IdP), never claims that sign-in fails,
    and the list badge shows the provider's real state.
    """
    a = idp.key("idp-a")
    created = console.add_provider(a)
    console.clock.current = datetime(2028, 2, 1, tzinfo=UTC)
    assert console.sign_in(a).status_code == 303
    (certificate,) = console.provider(created["id"])["certificates"]
    assert certificate["status"] == "expired" and certificate["inUse"] is True
    assert "still signs with it, and sign-in keeps working" in certificate["message"]
    assert "fail" not in certificate["message"]

    page = console_page(console, IDM)
    assert "Expired, still trusted" in page and "sign-in fails" not in page.lower()


# --- thumbprints -----------------------------------------------------------------------------------


def test_the_sha1_thumbprint_is_the_one_openssl_computes(console, tmp_path):
    """Entra ID shows SHA-1 "Thumbprint"s; the API and page show the same string, one notation."""
    a = idp.key("idp-a")
    created = console.add_provider(a)
    pem = tmp_path / "a.pem"
    pem.write_bytes(a.cert_pem)
    openssl = subprocess.run(
        ["openssl", "x509", "-in", str(pem), "-noout", "-fingerprint", "-sha1"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    known = openssl.strip().split("=", 1)[1].replace(":", "").upper()
    (certificate,) = console.provider(created["id"])["certificates"]
    assert certificate["thumbprintSha1"] == known
    assert certificate["sha256Fingerprint"] == hashlib.sha256(a.cert_der).hexdigest().upper()
    page = console_page(console, f"{IDM}providers/{created['id']}/")
    assert known in page and ":" not in certificate["sha256Fingerprint"]


# --- metadata downloads that fail, and uploads over a URL ------------------------------------------


def test_a_transient_download_failure_says_try_again_and_is_retried_soon(console):
    """A 503 from the IdP: "try again", no upload advice, the next attempt in 5 minutes."""
    created = console.add_provider(idp.key("idp-a"))
    console.metadata_server.routes["/federationmetadata.xml"] = Route(503, b"busy")
    answer = console.api.post(
        f"{console.url}/api/v1/auth-providers/{created['id']}/refresh", timeout=30
    ).json()
    assert answer["outcome"]["ok"] is False
    message = answer["outcome"]["errorMessage"]
    assert "try again in a few minutes" in message and "upload" not in message.lower()
    provider = AuthProvider.objects.get(id=created["id"])
    assert (provider.next_refresh_at - provider.last_refresh_at).total_seconds() == 300
    assert answer["provider"]["certificates"] == created["certificates"]


def test_uploading_a_file_over_a_url_provider_keeps_the_url_and_its_refresh(console):
    """The upload is a one-time override: the URL stays, and the next good download replaces it."""
    a, b, c = idp.key("idp-a"), idp.key("idp-b"), idp.key("idp-c")
    created = console.add_provider(a)
    patched = console.api.patch(
        f"{console.url}/api/v1/auth-providers/{created['id']}",
        json={"metadataXml": metadata(c).decode()},
        timeout=30,
    ).json()
    assert patched["metadataSource"] == "url"
    assert patched["metadataUrl"] == created["metadataUrl"] and patched["nextRefreshAt"]
    assert [x["thumbprintSha1"] for x in patched["certificates"]] == [_sha1(c)]

    console.publish(b)
    refreshed = console.api.post(
        f"{console.url}/api/v1/auth-providers/{created['id']}/refresh", timeout=30
    ).json()
    assert [x["thumbprintSha1"] for x in refreshed["provider"]["certificates"]] == [_sha1(b)]
