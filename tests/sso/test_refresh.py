"""Metadata refresh: certificate rollover, failures that keep the last good copy, the lease, the command."""

from __future__ import annotations

import base64
import datetime as dt
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from ssoconsole.audit.models import AuditEvent
from ssoconsole.saml.metadata import CertificateInfo
from ssoconsole.sso import errors as e
from ssoconsole.sso.metadata_store import MAX_REFRESH, MIN_REFRESH, next_refresh
from ssoconsole.sso.models import AuthProvider
from ssoconsole.sso.providers import create_provider
from ssoconsole.sso.refresh import claim, refresh_due_providers, refresh_metadata, release
from ssoconsole.sso.saml_config import identity_provider_config

from . import helpers
from .helpers import Route

T0 = dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def url_provider(tenant, admin, https_idp, fetcher, idp_certs):
    https_idp.routes["/metadata"] = Route(body=helpers.idp_metadata(certs=[idp_certs["a"]]))
    return create_provider(
        tenant, "Okta", metadata_url=https_idp.url("/metadata"), actor=admin, fetcher=fetcher
    )


def serve(https_idp, *certs, **kwargs):
    https_idp.routes["/metadata"] = Route(body=helpers.idp_metadata(certs=list(certs), **kwargs))


# --- scheduling ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cache, valid_for, expected",
    [
        (None, None, MAX_REFRESH),
        (dt.timedelta(hours=6), None, dt.timedelta(hours=6)),
        (dt.timedelta(minutes=5), None, MIN_REFRESH),
        (dt.timedelta(days=7), None, MAX_REFRESH),
        (None, dt.timedelta(hours=10), dt.timedelta(hours=5)),
        (None, dt.timedelta(minutes=30), MIN_REFRESH),
    ],
)
def test_next_refresh_respects_cache_duration_and_valid_until(cache, valid_for, expected):
    """cacheDuration and validUntil shorten the interval; it stays between hourly and daily."""
    valid_until = T0 + valid_for if valid_for else None
    assert next_refresh(T0, cache_duration=cache, valid_until=valid_until) == T0 + expected


def test_cache_duration_from_metadata_sets_next_refresh(tenant, https_idp, fetcher, idp_certs):
    serve(https_idp, idp_certs["a"], cache_duration="PT6H")
    p = create_provider(
        tenant, "X", metadata_url=https_idp.url("/metadata"), fetcher=fetcher, now=helpers.now()
    )
    assert p.cache_duration == dt.timedelta(hours=6)
    assert (
        dt.timedelta(hours=5, minutes=59)
        < p.next_refresh_at - p.last_refresh_at
        <= dt.timedelta(hours=6)
    )


# --- refresh ----------------------------------------------------------------------------------


def test_refresh_picks_up_a_new_certificate_and_drops_a_removed_one(
    url_provider, https_idp, fetcher, idp_certs, admin
):
    """Rollover: B is trusted from the refresh that brings it; A until the refresh where it is gone."""
    serve(https_idp, idp_certs["a"], idp_certs["b"])
    outcome = refresh_metadata(url_provider, fetcher=fetcher, actor=admin)
    assert outcome.ok and outcome.changed
    trusted = identity_provider_config(
        AuthProvider.objects.get(id=url_provider.id)
    ).signing_certificates
    assert trusted == (helpers.der(idp_certs["a"]), helpers.der(idp_certs["b"]))

    serve(https_idp, idp_certs["b"])
    assert refresh_metadata(url_provider, fetcher=fetcher).changed
    trusted = identity_provider_config(
        AuthProvider.objects.get(id=url_provider.id)
    ).signing_certificates
    assert trusted == (helpers.der(idp_certs["b"]),)

    event = (
        AuditEvent.objects.filter(action="auth_provider.metadata_refreshed")
        .order_by("-created_at")
        .first()
    )
    assert event.outcome == "success" and len(event.data["before"]["signingCertificates"]) == 2
    assert len(event.data["after"]["signingCertificates"]) == 1


def test_unchanged_refresh_reports_no_change(url_provider, fetcher, admin):
    """An unchanged scheduled refresh is not audited (hourly noise); one an admin asked for is."""
    outcome = refresh_metadata(url_provider, fetcher=fetcher)
    assert outcome.ok and not outcome.changed
    assert not AuditEvent.objects.filter(action="auth_provider.metadata_refreshed").exists()
    refresh_metadata(url_provider, fetcher=fetcher, actor=admin)
    assert AuditEvent.objects.get(action="auth_provider.metadata_refreshed").actor_id == admin.id


@pytest.mark.parametrize(
    "route, code",
    [
        (Route(500, b"oops"), "sso.metadata_http_error"),
        (Route(body=helpers.HTML_PAGE), "saml.metadata_not_xml"),
        (Route(body=helpers.XML_BOMB), "saml.xml_forbidden"),
        (Route(body=helpers.idp_metadata(certs=[])), "saml.metadata_no_signing_certificate"),
    ],
    ids=["http-500", "html", "bomb", "no-cert"],
)
def test_failed_refresh_keeps_last_good_metadata(url_provider, https_idp, fetcher, route, code):
    """The failure is recorded and audited; the trusted metadata and sign-in configuration stay as they were."""
    before = AuthProvider.objects.get(id=url_provider.id)
    https_idp.routes["/metadata"] = route
    now = helpers.now()
    outcome = refresh_metadata(url_provider, fetcher=fetcher, now=now)
    assert not outcome.ok and outcome.error_code == code
    after = AuthProvider.objects.get(id=url_provider.id)
    assert bytes(after.metadata_xml) == bytes(before.metadata_xml)
    assert identity_provider_config(after) == identity_provider_config(before)
    assert (after.last_refresh_result, after.last_refresh_error_code) == ("failed", code)
    # A passing server error is retried sooner (5 minutes); a document a person must fix, in an hour.
    retry = dt.timedelta(minutes=5) if route.status >= 500 else dt.timedelta(hours=1)
    assert after.last_refresh_error_message and after.next_refresh_at == now + retry
    assert f"tries again by itself at {after.next_refresh_at:%H:%M} UTC" in (
        after.last_refresh_error_message
    )
    event = AuditEvent.objects.get(action="auth_provider.metadata_refreshed", outcome="failure")
    assert event.reason_code == code and event.data["error"]["code"] == code


def test_transient_failures_back_off_and_say_try_again(url_provider, https_idp, fetcher):
    """5xx, timeouts and refused connections: "try again", retried after 5, 10, 20, 40, 60 minutes."""
    https_idp.routes["/metadata"] = Route(503, b"")
    now = helpers.now()
    delays = []
    for _ in range(6):
        outcome = refresh_metadata(url_provider, fetcher=fetcher, now=now)
        url_provider.refresh_from_db()
        delays.append(url_provider.next_refresh_at - now)
        assert "try again in a few minutes" in outcome.error_message
        assert "upload" not in outcome.error_message.lower()
    assert delays == [dt.timedelta(minutes=m) for m in (5, 10, 20, 40, 60, 60)]


def test_a_missing_metadata_document_asks_for_the_url_not_for_patience(
    url_provider, https_idp, fetcher
):
    """A 404 will not pass by itself: the advice is to copy the URL again, and no quick retry."""
    https_idp.routes["/metadata"] = Route(404, b"")
    now = helpers.now()
    outcome = refresh_metadata(url_provider, fetcher=fetcher, now=now)
    assert "Copy the metadata URL again" in outcome.error_message
    assert "try again in a few minutes" not in outcome.error_message
    url_provider.refresh_from_db()
    assert url_provider.next_refresh_at == now + dt.timedelta(hours=1)


def test_a_redownload_that_changes_only_bytes_is_not_audited_as_a_change(
    url_provider, https_idp, fetcher, idp_certs
):
    """An IdP that re-signs its document (or moves validUntil) on each download changed no trust."""
    https_idp.routes["/metadata"] = Route(
        body=helpers.idp_metadata(
            certs=[idp_certs["a"]], valid_until=helpers.now() + dt.timedelta(days=9)
        )
    )
    outcome = refresh_metadata(url_provider, fetcher=fetcher)
    assert outcome.ok and not outcome.changed
    assert not AuditEvent.objects.filter(action="auth_provider.metadata_refreshed").exists()


def test_success_after_failure_clears_the_error(url_provider, https_idp, fetcher, idp_certs):
    https_idp.routes["/metadata"] = Route(503, b"")
    assert not refresh_metadata(url_provider, fetcher=fetcher).ok
    serve(https_idp, idp_certs["a"])
    assert refresh_metadata(url_provider, fetcher=fetcher).ok
    url_provider.refresh_from_db()
    assert (url_provider.last_refresh_result, url_provider.last_refresh_error_code) == ("ok", "")


def test_uploaded_file_cannot_be_refreshed(file_provider):
    with pytest.raises(e.RefreshNotApplicable) as info:
        refresh_metadata(file_provider)
    assert "Upload the new metadata file" in info.value.message


def test_refresh_while_another_process_holds_the_lease(url_provider, fetcher):
    assert claim(url_provider.id, now=helpers.now(), owner="other", due_only=False)
    with pytest.raises(e.RefreshInProgress):
        refresh_metadata(url_provider, fetcher=fetcher)


# --- lease ---------------------------------------------------------------------------------------


def test_lease_is_exclusive_until_released_or_expired(url_provider):
    AuthProvider.objects.filter(id=url_provider.id).update(next_refresh_at=T0)
    assert claim(url_provider.id, now=T0, owner="p1")
    assert not claim(url_provider.id, now=T0, owner="p2")
    release(url_provider.id, owner="p2")  # not the holder: no effect
    assert not claim(url_provider.id, now=T0 + dt.timedelta(seconds=30), owner="p2")
    assert claim(
        url_provider.id, now=T0 + dt.timedelta(minutes=5), owner="p2"
    )  # p1 crashed; lease expired
    release(url_provider.id, owner="p2")
    assert claim(url_provider.id, now=T0 + dt.timedelta(minutes=5), owner="p3")


def test_claim_requires_due_refresh_and_url_source(url_provider, file_provider):
    AuthProvider.objects.filter(id=url_provider.id).update(
        next_refresh_at=T0 + dt.timedelta(hours=1)
    )
    assert not claim(url_provider.id, now=T0, owner="p1")
    assert not claim(file_provider.id, now=T0, owner="p1", due_only=False)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claimers_one_wins(tenant, metadata_a):
    """Several processes share the database: of two simultaneous claims exactly one gets the provider.

    Each thread has its own database connection, so on PostgreSQL (DATABASE_URL
    set) this is two real sessions racing on the conditional UPDATE.
    """
    p = create_provider(tenant, "Race", metadata_xml=metadata_a)
    AuthProvider.objects.filter(id=p.id).update(
        metadata_source="url", metadata_url="https://acme.okta.com/m", next_refresh_at=T0
    )
    rounds, results = 5, []
    for round_ in range(rounds):
        AuthProvider.objects.filter(id=p.id).update(
            refresh_lease_until=None, refresh_lease_owner=""
        )
        barrier = threading.Barrier(2)
        won: list[bool] = []

        def racer(name: str, barrier=barrier, won=won, round_=round_) -> None:
            try:
                barrier.wait()
                won.append(claim(p.id, now=T0, owner=f"{name}-{round_}"))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=racer, args=(n,)) for n in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        results.append(sorted(won))
    assert results == [[False, True]] * rounds, connection.vendor


# --- scheduled refresh ---------------------------------------------------------------------------


def test_refresh_due_providers_refreshes_only_what_is_due(
    tenant, https_idp, fetcher, idp_certs, url_provider, file_provider
):
    later = create_provider(
        tenant, "Later", metadata_url=https_idp.url("/metadata"), fetcher=fetcher
    )
    now = helpers.now()
    AuthProvider.objects.filter(id=url_provider.id).update(
        next_refresh_at=now - dt.timedelta(minutes=1)
    )
    AuthProvider.objects.filter(id=later.id).update(next_refresh_at=now + dt.timedelta(hours=3))
    serve(https_idp, idp_certs["c"])
    seen = []
    outcomes = refresh_due_providers(now, fetcher=fetcher, progress=seen.append)
    assert (
        [o.display_name for o in outcomes] == ["Okta"] and seen == outcomes and outcomes[0].changed
    )
    assert (
        AuthProvider.objects.get(id=later.id).signing_certificates
        != AuthProvider.objects.get(id=url_provider.id).signing_certificates
    )
    refreshed = AuthProvider.objects.get(id=url_provider.id)
    assert refreshed.next_refresh_at > now and refreshed.refresh_lease_owner == ""
    assert refresh_due_providers(now, fetcher=fetcher) == []  # nothing due any more


def test_refresh_due_skips_a_provider_leased_elsewhere(url_provider, fetcher):
    now = helpers.now()
    AuthProvider.objects.filter(id=url_provider.id).update(
        next_refresh_at=now - dt.timedelta(minutes=1)
    )
    assert claim(url_provider.id, now=now, owner="other-process")
    assert refresh_due_providers(now, fetcher=fetcher) == []


def test_management_command_refreshes_with_progress(
    url_provider, https_idp, idp_certs, test_ca, settings
):
    """``ssoconsole refresh-metadata`` (a Django management command) prints what it did per provider."""
    settings.SSOCONSOLE_METADATA_CA_BUNDLE = str(test_ca.pem_path)
    settings.SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS = True
    serve(https_idp, idp_certs["b"])
    out = StringIO()
    call_command("refresh-metadata", "--all", stdout=out)
    assert "[1/1] Okta" in out.getvalue() and "ok, metadata changed" in out.getvalue()

    AuthProvider.objects.filter(id=url_provider.id).update(
        next_refresh_at=helpers.now() - dt.timedelta(seconds=1)
    )
    out = StringIO()
    call_command("refresh-metadata", stdout=out)
    assert "1 provider(s) were due" in out.getvalue()

    https_idp.routes["/metadata"] = Route(body=helpers.HTML_PAGE)
    out = StringIO()
    with pytest.raises(CommandError, match="last good metadata"):
        call_command("refresh-metadata", "--provider", str(url_provider.id), stdout=out)
    assert "failed (saml.metadata_not_xml)" in out.getvalue()


def test_refresh_all_with_only_uploaded_files_says_why_nothing_was_downloaded(file_provider):
    """An empty run explains itself instead of printing nothing."""
    out = StringIO()
    call_command("refresh-metadata", "--all", stdout=out)
    assert "No provider reads its metadata from a URL" in out.getvalue()
    assert "1 provider(s) use an uploaded file" in out.getvalue()


def test_management_command_unknown_provider(db):
    with pytest.raises(CommandError, match="No authentication provider"):
        call_command("refresh-metadata", "--provider", "00000000-0000-0000-0000-000000000000")
    with pytest.raises(CommandError, match="not a provider id"):
        call_command("refresh-metadata", "--provider", "nope")


def test_switch_between_file_and_url(file_provider, https_idp, fetcher, idp_certs, admin):
    """An uploaded provider can move to a URL (refreshed from then on) and back to a file (no more refreshes)."""
    from ssoconsole.sso.providers import update_provider

    serve(https_idp, idp_certs["b"])
    update_provider(
        file_provider, metadata_url=https_idp.url("/metadata"), fetcher=fetcher, actor=admin
    )
    file_provider.refresh_from_db()
    assert file_provider.metadata_source == "url" and file_provider.next_refresh_at is not None
    event = AuditEvent.objects.filter(action="auth_provider.updated").latest("created_at")
    assert (
        event.data["before"]["metadataSource"] == "file"
        and event.data["after"]["metadataSource"] == "url"
    )
    assert event.data["after"]["metadataUrl"] == https_idp.url("/metadata")

    update_provider(
        file_provider,
        metadata_xml=helpers.idp_metadata(certs=[idp_certs["c"]]),
        switch_to_file=True,
        actor=admin,
    )
    file_provider.refresh_from_db()
    assert file_provider.metadata_source == "file" and file_provider.metadata_url == ""
    assert file_provider.next_refresh_at is None


def test_a_file_uploaded_over_a_url_is_an_override_until_the_next_good_download(
    url_provider, https_idp, fetcher, idp_certs, admin
):
    """Uploading keeps the URL and its schedule, so the next rollover at the IdP is still picked up."""
    from ssoconsole.sso.providers import update_provider

    url = url_provider.metadata_url
    update_provider(
        url_provider, metadata_xml=helpers.idp_metadata(certs=[idp_certs["c"]]), actor=admin
    )
    url_provider.refresh_from_db()
    assert (url_provider.metadata_source, url_provider.metadata_url) == ("url", url)
    assert url_provider.metadata_overridden_at is not None and url_provider.next_refresh_at
    assert [fingerprint_of(d) for d in url_provider.signing_certificates] == [
        fingerprint_of_cert(idp_certs["c"])
    ]
    event = AuditEvent.objects.filter(action="auth_provider.updated").latest("created_at")
    assert event.data["after"]["metadataOverride"] is True

    serve(https_idp, idp_certs["b"])
    outcome = refresh_metadata(url_provider, fetcher=fetcher)
    url_provider.refresh_from_db()
    assert outcome.ok and url_provider.metadata_overridden_at is None
    assert [fingerprint_of(d) for d in url_provider.signing_certificates] == [
        fingerprint_of_cert(idp_certs["b"])
    ]
    refreshed = AuditEvent.objects.filter(action="auth_provider.metadata_refreshed").latest(
        "created_at"
    )
    assert "overrideEnded" in refreshed.data


def fingerprint_of(b64: str) -> str:
    return CertificateInfo.from_der(base64.b64decode(b64)).sha256_fingerprint


def fingerprint_of_cert(cert) -> str:
    return CertificateInfo.from_der(helpers.der(cert)).sha256_fingerprint


def test_a_second_round_during_a_download_skips_the_provider_being_fetched(
    tenant, https_idp, fetcher, idp_certs
):
    """Process B runs its round while process A is in the middle of downloading provider 1.

    The overlap is made deterministic: A's fetcher starts B's whole round from
    inside A's first download (no transaction is open during a download, so
    this is what a second process would see). B refreshes the other due
    providers and leaves provider 1, which A holds, alone; every provider is
    downloaded exactly once.
    """
    serve(https_idp, idp_certs["a"])
    ids = [
        create_provider(
            tenant, f"IdP {i}", metadata_url=https_idp.url("/metadata"), fetcher=fetcher
        ).id
        for i in range(4)
    ]
    now = helpers.now()
    AuthProvider.objects.filter(id__in=ids).update(next_refresh_at=now - dt.timedelta(minutes=1))
    https_idp.hits.clear()
    round_b: list = []

    class InterleavingFetcher:
        def fetch(self, url):
            if not round_b:
                round_b.append(refresh_due_providers(now, fetcher=fetcher))
            return fetcher.fetch(url)

    round_a = refresh_due_providers(now, fetcher=InterleavingFetcher())
    a_ids, b_ids = {o.provider_id for o in round_a}, {o.provider_id for o in round_b[0]}
    assert len(a_ids) == 1 and len(b_ids) == 3 and a_ids | b_ids == {str(i) for i in ids}
    assert len(https_idp.hits) == 4
    assert all(
        p.next_refresh_at > now and not p.refresh_lease_owner
        for p in AuthProvider.objects.filter(id__in=ids)
    )


def test_metadata_replaced_during_a_download_is_not_overwritten(
    url_provider, https_idp, fetcher, idp_certs
):
    """An administrator uploads a file while the scheduler downloads the old URL: the upload wins."""
    from ssoconsole.sso.providers import update_provider

    uploaded = helpers.idp_metadata(certs=[idp_certs["c"]])
    serve(https_idp, idp_certs["b"])

    class AdminUploadsMeanwhile:
        def fetch(self, url):
            body = fetcher.fetch(url)
            update_provider(AuthProvider.objects.get(id=url_provider.id), metadata_xml=uploaded)
            return body

    outcome = refresh_metadata(url_provider, fetcher=AdminUploadsMeanwhile())
    assert outcome.ok and not outcome.changed
    current = AuthProvider.objects.get(id=url_provider.id)
    assert bytes(current.metadata_xml) == uploaded
    assert current.metadata_source == "url" and current.metadata_overridden_at is not None


def test_rename_during_a_refresh_keeps_both(url_provider, https_idp, fetcher, idp_certs):
    """Services save only the fields they change, so a rename and a refresh do not undo each other."""
    from ssoconsole.sso.providers import update_provider

    serve(https_idp, idp_certs["b"])

    class AdminRenamesMeanwhile:
        def fetch(self, url):
            body = fetcher.fetch(url)
            update_provider(
                AuthProvider.objects.get(id=url_provider.id), display_name="Okta (prod)"
            )
            return body

    stale = AuthProvider.objects.get(id=url_provider.id)
    assert refresh_metadata(url_provider, fetcher=AdminRenamesMeanwhile()).changed
    update_provider(
        stale, display_name="Okta production"
    )  # a stale instance must not restore old metadata
    current = AuthProvider.objects.get(id=url_provider.id)
    assert current.display_name == "Okta production"
    assert current.signing_certificates == [base64.b64encode(helpers.der(idp_certs["b"])).decode()]
