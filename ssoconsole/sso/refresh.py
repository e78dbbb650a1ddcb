"""Refresh URL-sourced metadata: on demand, on a schedule, and from several processes at once.

A refresh never makes things worse: on failure the last good metadata stays
in place (sign-in keeps working with it), the failure is recorded on the
provider for the details page and audited, and another attempt is scheduled:
after a passing failure (timeout, refused connection, 5xx) in 5 minutes,
doubling with each failure in a row up to an hour; after one that needs a
person (a 404, a refused document) in an hour.

Several server processes share one database, so each refresh first claims
the provider with a lease: a single conditional ``UPDATE ... WHERE lease is
free`` that the database applies atomically, on PostgreSQL and SQLite alike.
Exactly one claimer sees one row updated; the others see none and move on.
The fetch happens outside any transaction, and a lease that outlives a
crashed process simply expires.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from ssoconsole.audit.log import diff, record
from ssoconsole.audit.models import Outcome
from ssoconsole.core import clock, counters
from ssoconsole.core.errors import DomainError
from ssoconsole.sso import errors as e
from ssoconsole.sso.metadata_fetch import MetadataFetcher
from ssoconsole.sso.metadata_store import (
    METADATA_FIELDS,
    RETRY_AFTER_FAILURE,
    apply_metadata,
    metadata_snapshot,
    next_refresh,
    obtain_metadata,
)
from ssoconsole.sso.models import AuthProvider, MetadataSource, RefreshResult

log = logging.getLogger("ssoconsole.sso.refresh")
LEASE = timedelta(minutes=2)
BATCH = 50
FIRST_RETRY = timedelta(minutes=5)


def retry_delay(exc: DomainError, failures: int) -> timedelta:
    """Return how long to wait after the ``failures``-th failure in a row (1 = the first)."""
    if not getattr(exc, "transient", False):
        return RETRY_AFTER_FAILURE
    return min(FIRST_RETRY * 2 ** max(0, failures - 1), RETRY_AFTER_FAILURE)


@dataclass(frozen=True)
class RefreshOutcome:
    """What one refresh did; ``changed`` tells whether the trusted metadata differs from before."""

    provider_id: str
    display_name: str
    ok: bool
    changed: bool = False
    error_code: str = ""
    error_message: str = ""


def claim(provider_id, *, now: datetime, owner: str, due_only: bool = True) -> bool:
    """Take the refresh lease of one provider; return whether this caller got it.

    ``due_only`` also requires the refresh to be due, so a scheduler that
    read a stale list cannot refresh twice what another process just did.
    """
    free = Q(refresh_lease_until__isnull=True) | Q(refresh_lease_until__lte=now)
    condition = Q(id=provider_id, metadata_source=MetadataSource.URL) & free
    if due_only:
        condition &= Q(next_refresh_at__lte=now)
    updated = AuthProvider.objects.filter(condition).update(
        refresh_lease_until=now + LEASE, refresh_lease_owner=owner
    )
    return updated == 1


def release(provider_id, *, owner: str) -> None:
    """Give the lease back, unless it already expired and another process took it."""
    AuthProvider.objects.filter(id=provider_id, refresh_lease_owner=owner).update(
        refresh_lease_until=None, refresh_lease_owner=""
    )


def refresh_metadata(
    provider: AuthProvider,
    *,
    actor=None,
    actor_label: str | None = None,
    request=None,
    fetcher: MetadataFetcher | None = None,
    now: datetime | None = None,
    reason: dict | None = None,
) -> RefreshOutcome:
    """Download the provider's metadata again now (the details page's "Refresh" action).

    ``reason`` is added to the audit event (what triggered a refresh nobody clicked).

    Raises ``RefreshNotApplicable`` for an uploaded file and
    ``RefreshInProgress`` when another process holds the lease; a failed
    download is not raised but returned, recorded and audited.
    """
    if provider.metadata_source != MetadataSource.URL:
        raise e.RefreshNotApplicable(
            "This provider's metadata was uploaded as a file, so there is nothing to download. Upload the new "
            "metadata file instead."
        )
    now = now or clock.now()
    owner = secrets.token_hex(8)
    if not claim(provider.id, now=now, owner=owner, due_only=False):
        raise e.RefreshInProgress(
            "The metadata of this provider is being refreshed right now. Wait a minute and look again."
        )
    try:
        return _refresh_claimed(
            provider,
            actor=actor,
            actor_label=actor_label,
            request=request,
            fetcher=fetcher,
            now=now,
            reason=reason,
        )
    finally:
        release(provider.id, owner=owner)


def _source(provider_id):
    """Return what the provider's metadata comes from, locking the row until the transaction ends."""
    return (
        AuthProvider.objects.select_for_update()
        .filter(id=provider_id)
        .values_list("metadata_source", "metadata_url", "entity_selector", "metadata_sha256")
        .first()
    )


def _superseded(provider) -> RefreshOutcome:
    """An administrator replaced the metadata (or deleted the provider) during the download: keep theirs."""
    log.info("metadata refresh discarded, provider %s changed meanwhile", provider.id)
    return RefreshOutcome(str(provider.id), provider.display_name, ok=True, changed=False)


def _refresh_claimed(
    provider, *, actor, actor_label, request, fetcher, now, reason=None
) -> RefreshOutcome:
    provider.refresh_from_db()
    started = (
        provider.metadata_source,
        provider.metadata_url,
        provider.entity_selector,
        provider.metadata_sha256,
    )
    before = metadata_snapshot(provider)
    try:
        loaded = obtain_metadata(
            metadata_xml=None,
            metadata_url=provider.metadata_url,
            entity_id=provider.entity_selector or None,
            now=now,
            fetcher=fetcher,
            allow_all_expired=True,
        )
    except DomainError as exc:
        return _record_failure(
            provider,
            exc,
            started,
            actor=actor,
            actor_label=actor_label,
            request=request,
            now=now,
            reason=reason,
        )
    with transaction.atomic():
        if _source(provider.id) != started:
            return _superseded(provider)
        apply_metadata(provider, loaded)
        provider.last_refresh_at, provider.last_refresh_result = now, RefreshResult.OK
        provider.last_refresh_error_code = provider.last_refresh_error_message = ""
        provider.refresh_failures = 0
        # A file uploaded over the URL was a one-time override: the IdP's own document wins again.
        overridden, provider.metadata_overridden_at = provider.metadata_overridden_at, None
        provider.next_refresh_at = next_refresh(
            now, cache_duration=provider.cache_duration, valid_until=provider.valid_until
        )
        provider.save(update_fields=METADATA_FIELDS + _REFRESH_FIELDS)
        changes = diff(before, metadata_snapshot(provider))
        if overridden is not None:
            changes["overrideEnded"] = overridden.isoformat()
        if reason:
            changes.update(reason)
        # An unchanged scheduled refresh is routine and would flood the log hourly;
        # a change, or a refresh someone asked for, is recorded.
        if (
            changes["after"]
            or overridden is not None
            or actor is not None
            or actor_label not in (None, "system")
        ):
            record(
                "auth_provider.metadata_refreshed",
                tenant=provider.tenant,
                actor=actor,
                actor_label=actor_label,
                target=provider,
                data=changes,
                request=request,
            )
    counters.METADATA_REFRESHES.labels(result="ok").inc()
    return RefreshOutcome(
        str(provider.id), provider.display_name, ok=True, changed=bool(changes["after"])
    )


_REFRESH_FIELDS = [
    "refresh_failures",
    "metadata_overridden_at",
    "last_refresh_at",
    "last_refresh_result",
    "last_refresh_error_code",
    "last_refresh_error_message",
    "next_refresh_at",
    "updated_at",
]


def _record_failure(
    provider, exc: DomainError, started, *, actor, actor_label, request, now, reason=None
) -> RefreshOutcome:
    """Keep the last good metadata; note the failure, retry in an hour, audit it."""
    with transaction.atomic():
        if _source(provider.id) != started:
            return _superseded(provider)
        provider.refresh_failures += 1
        provider.next_refresh_at = now + retry_delay(exc, provider.refresh_failures)
        message = (
            f"{exc.message} Sign-in keeps using the metadata downloaded last; the console tries "
            f"again by itself at {provider.next_refresh_at:%H:%M} UTC."
        )
        provider.last_refresh_at, provider.last_refresh_result = now, RefreshResult.FAILED
        provider.last_refresh_error_code, provider.last_refresh_error_message = (
            exc.code,
            message[:2000],
        )
        provider.save(update_fields=_REFRESH_FIELDS)
        counters.METADATA_REFRESHES.labels(result="failed").inc()
        record(
            "auth_provider.metadata_refreshed",
            tenant=provider.tenant,
            actor=actor,
            actor_label=actor_label,
            target=provider,
            outcome=Outcome.FAILURE,
            reason_code=exc.code,
            data={"error": exc.as_dict(), "url": provider.metadata_url, **(reason or {})},
            request=request,
        )
    log.warning("metadata refresh failed provider=%s code=%s", provider.id, exc.code)
    return RefreshOutcome(
        str(provider.id),
        provider.display_name,
        ok=False,
        error_code=exc.code,
        error_message=provider.last_refresh_error_message,
    )


def due_provider_ids(now: datetime, *, limit: int = BATCH) -> list:
    """Return ids of URL-sourced providers whose refresh is due and whose lease is free."""
    free = Q(refresh_lease_until__isnull=True) | Q(refresh_lease_until__lte=now)
    return list(
        AuthProvider.objects.filter(
            free, metadata_source=MetadataSource.URL, next_refresh_at__lte=now
        )
        .order_by("next_refresh_at")
        .values_list("id", flat=True)[:limit]
    )


def refresh_due_providers(
    now: datetime | None = None,
    *,
    fetcher: MetadataFetcher | None = None,
    progress: Callable[[RefreshOutcome], None] | None = None,
    limit: int = BATCH,
) -> list[RefreshOutcome]:
    """Refresh every provider that is due and that this process manages to claim.

    Safe to run from every server process and from ``ssoconsole
    refresh-metadata`` at the same time: a provider claimed elsewhere is
    skipped. ``progress`` is called after each provider.
    """
    now = now or clock.now()
    owner = secrets.token_hex(8)
    outcomes: list[RefreshOutcome] = []
    for provider_id in due_provider_ids(now, limit=limit):
        if not claim(provider_id, now=now, owner=owner):
            continue
        try:
            provider = AuthProvider.objects.select_related("tenant").get(id=provider_id)
            outcome = _refresh_claimed(
                provider, actor=None, actor_label="system", request=None, fetcher=fetcher, now=now
            )
        except Exception:  # one broken provider must not stop the others; the log has the trace
            log.exception("metadata refresh crashed provider=%s", provider_id)
            continue
        finally:
            release(provider_id, owner=owner)
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    return outcomes
