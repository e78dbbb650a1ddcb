"""The in-process refresh scheduler: one thread per process, refreshing what is due."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from ssoconsole.sso import scheduler
from ssoconsole.sso.models import AuthProvider


@pytest.fixture
def stopped():
    scheduler.stop_scheduler()
    yield
    scheduler.stop_scheduler()


def test_start_is_idempotent_and_stop_ends_the_thread(stopped):
    assert scheduler.start_scheduler(interval=3600)
    assert not scheduler.start_scheduler(interval=3600)
    assert scheduler.scheduler_running()
    scheduler.stop_scheduler()
    assert not scheduler.scheduler_running()


@pytest.mark.django_db(transaction=True)
def test_scheduler_thread_refreshes_due_providers(
    stopped, tenant, https_idp, fetcher, idp_certs, test_ca, settings
):
    """The thread wakes, claims the due provider and refreshes it with the default fetcher and settings."""
    from ssoconsole.sso.providers import create_provider

    from . import helpers
    from .helpers import Route

    settings.SSOCONSOLE_METADATA_CA_BUNDLE = str(test_ca.pem_path)
    settings.SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS = True
    https_idp.routes["/m"] = Route(body=helpers.idp_metadata(certs=[idp_certs["a"]]))
    provider = create_provider(tenant, "Okta", metadata_url=https_idp.url("/m"), fetcher=fetcher)
    https_idp.routes["/m"] = Route(body=helpers.idp_metadata(certs=[idp_certs["b"]]))
    AuthProvider.objects.filter(id=provider.id).update(
        next_refresh_at=helpers.now() - dt.timedelta(minutes=1)
    )
    scheduler.start_scheduler(interval=1.0)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if AuthProvider.objects.get(id=provider.id).last_refresh_at > provider.last_refresh_at:
            break
        time.sleep(0.1)
    refreshed = AuthProvider.objects.get(id=provider.id)
    assert refreshed.last_refresh_result == "ok"
    assert (
        len(refreshed.signing_certificates) == 1
        and refreshed.signing_certificates != provider.signing_certificates
    )
