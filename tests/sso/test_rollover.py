"""Refresh on an unknown signing key: the per-provider claim, the explanations, the learned signer."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from ssoconsole.saml.metadata import CertificateInfo
from ssoconsole.saml.xmldsig import SignatureUntrustedKey
from ssoconsole.sso import errors as r
from ssoconsole.sso import rollover
from ssoconsole.sso.models import AuthProvider
from ssoconsole.sso.providers import create_provider

from . import helpers
from .helpers import Route

T0 = dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def url_provider(tenant, https_idp, fetcher, idp_certs):
    https_idp.routes["/metadata"] = Route(body=helpers.idp_metadata(certs=[idp_certs["a"]]))
    return create_provider(tenant, "Okta", metadata_url=https_idp.url("/metadata"), fetcher=fetcher)


def untrusted(cert, trusted=()) -> SignatureUntrustedKey:
    der = helpers.der(cert)
    info = CertificateInfo.from_der(der)
    return SignatureUntrustedKey(
        expected=[CertificateInfo.from_der(helpers.der(t)).sha1_thumbprint for t in trusted],
        actual=info.sha1_thumbprint,
        signer_sha256=info.sha256_fingerprint,
        signer_subject=info.subject,
    )


def test_one_refresh_per_provider_per_five_minutes(url_provider, file_provider):
    """The claim is a conditional UPDATE: the second caller in the interval, in any process, loses."""
    assert rollover.claim_refresh(url_provider.id, now=T0)
    assert not rollover.claim_refresh(url_provider.id, now=T0 + dt.timedelta(minutes=4, seconds=59))
    assert rollover.claim_refresh(url_provider.id, now=T0 + dt.timedelta(minutes=5))
    assert not rollover.claim_refresh(file_provider.id, now=T0), "a file has no URL to refresh"


@pytest.mark.django_db(transaction=True)
def test_concurrent_unknown_key_refresh_claims_one_wins(tenant, metadata_a):
    """Processes share the database: of simultaneous claims in one interval exactly one downloads.

    Each thread has its own connection (two real sessions on PostgreSQL).
    """
    p = create_provider(tenant, "Race", metadata_xml=metadata_a)
    AuthProvider.objects.filter(id=p.id).update(
        metadata_source="url", metadata_url="https://acme.okta.com/m"
    )
    results = []
    for _ in range(5):
        AuthProvider.objects.filter(id=p.id).update(unknown_key_refresh_at=None)
        barrier = threading.Barrier(3)
        won: list[bool] = []

        def racer(barrier=barrier, won=won) -> None:
            try:
                barrier.wait()
                won.append(rollover.claim_refresh(p.id, now=T0))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=racer) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        results.append(sorted(won))
    assert results == [[False, False, True]] * 5, connection.vendor


def test_a_file_provider_is_told_to_upload_a_new_certificate_of_its_own_name(tenant, idp_certs):
    """Same subject as a certificate the provider listed: "not listed yet", with upload advice."""
    old = helpers.make_cert("Microsoft Azure Federated SSO Certificate")[1]
    new = helpers.make_cert("Microsoft Azure Federated SSO Certificate")[1]
    provider = create_provider(tenant, "Entra", metadata_xml=helpers.idp_metadata(certs=[old]))
    refusal = rollover.explain_unknown_key(provider, untrusted(new, [old]), refreshed=False, now=T0)
    assert isinstance(refusal, r.SigningKeyNotListedYet)
    message = refusal.admin_message()
    assert CertificateInfo.from_der(helpers.der(new)).sha1_thumbprint in message
    assert "upload its current metadata" in message and "forgery" in message


def test_a_refreshed_url_provider_says_the_idps_own_metadata_does_not_list_the_key(
    url_provider, idp_certs
):
    refusal = rollover.explain_unknown_key(
        url_provider, untrusted(idp_certs["c"], [idp_certs["a"]]), refreshed=True, now=T0
    )
    assert isinstance(refusal, r.SigningKeyForeign)
    assert "downloaded the metadata again just now" in refusal.admin_message()


def test_the_signing_certificate_is_noted_when_it_changes_or_hourly(url_provider, idp_certs):
    """Sign-ins do not all write the provider row: only a new signer, or an hour later."""

    class Signed:
        signing_certificate = helpers.der(idp_certs["a"])

    rollover.note_signing_certificate(url_provider, Signed, now=T0)
    stored = AuthProvider.objects.get(id=url_provider.id)
    assert (
        stored.signing_certificate_sha256
        == CertificateInfo.from_der(Signed.signing_certificate).sha256_fingerprint
    )
    rollover.note_signing_certificate(url_provider, Signed, now=T0 + dt.timedelta(minutes=30))
    assert AuthProvider.objects.get(id=url_provider.id).signing_certificate_seen_at == T0
    rollover.note_signing_certificate(url_provider, Signed, now=T0 + dt.timedelta(hours=1))
    assert AuthProvider.objects.get(
        id=url_provider.id
    ).signing_certificate_seen_at == T0 + dt.timedelta(hours=1)


def test_days_left_per_provider_for_the_metrics_follow_the_certificate_in_use(
    url_provider, idp_certs
):
    """The metric is about the certificate the IdP signs with, not the worst one listed."""
    from ssoconsole.sso.certificates import days_left_by_provider

    (row,) = days_left_by_provider(helpers.now())
    assert row["providerId"] == str(url_provider.id) and row["learned"] is False
    assert 363 <= row["daysLeft"] <= 365  # idp_certs["a"] is valid for a year from yesterday

    class Signed:
        signing_certificate = helpers.der(idp_certs["a"])

    rollover.note_signing_certificate(url_provider, Signed, now=helpers.now())
    (row,) = days_left_by_provider(helpers.now())
    assert row["learned"] is True
