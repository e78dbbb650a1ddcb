"""``/healthz``, ``/readyz`` and ``/metrics``: cheap, unauthenticated probes and a guarded scrape.

``/healthz`` answers from the process alone (no I/O): a load balancer or
systemd restarts a process that stops answering it. ``/readyz`` says whether
this process can serve sign-ins: the database answers, every migration is
applied, and the cache is reachable. A Redis outage keeps it ready (sign-in
falls back to per-process throttling) but is reported as ``degraded``, so
that an operator sees it without every host leaving the pool at once.

``/metrics`` is Prometheus text for every worker of this server; it is
served only with ``Authorization: Bearer $SSOCONSOLE_METRICS_TOKEN`` or to an
address in ``SSOCONSOLE_METRICS_ALLOWED_ADDRESSES``.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import time

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ssoconsole.core.proxies import client_address
from ssoconsole.ops import metrics
from ssoconsole.ops.cache import cache_state

# Checking migrations reads the migration table and every app's migration files; once all are applied
# (they cannot be un-applied under a running process) this process stops asking.
_migrations_applied = False


def _json(body: dict, status: int) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body), status=status, content_type="application/json; charset=utf-8"
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_GET
def healthz(request):
    """The process is up and answers requests; nothing else is checked."""
    return _json({"status": "ok"}, 200)


def _database_state() -> str:
    global _migrations_applied
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrations_applied:
            executor = MigrationExecutor(connection)
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                return "migrations_pending"
            _migrations_applied = True
    except DatabaseError:
        return "unreachable"
    return "ok"


@never_cache
@require_GET
def readyz(request):
    """Ready when the database answers with every migration applied; the cache state is reported too."""
    started = time.perf_counter()
    database = _database_state()
    cache_status = cache_state(caches["default"])
    ready = database == "ok" and cache_status != "unreachable"
    body = {
        "status": "ready" if ready else "not_ready",
        "database": database,
        "cache": cache_status,
        "seconds": round(time.perf_counter() - started, 4),
    }
    if database == "migrations_pending":
        body["hint"] = "Run `ssoconsole migrate`."
    elif database == "unreachable":
        body["hint"] = "Check that the database is running and DATABASE_URL points at it."
    if cache_status == "degraded":
        body["cacheHint"] = (
            "Redis (REDIS_URL) is unreachable: each process throttles on its own until it is back."
        )
    response = _json(body, 200 if ready else 503)
    if not ready:
        response["Retry-After"] = "5"
    return response


def _metrics_allowed(request) -> bool:
    token = getattr(settings, "SSOCONSOLE_METRICS_TOKEN", None)
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if (
        token
        and header.startswith("Bearer ")
        and hmac.compare_digest(header[len("Bearer ") :].strip().encode(), token.encode())
    ):
        return True
    networks = getattr(settings, "SSOCONSOLE_METRICS_ALLOWED_ADDRESSES", ())
    address = client_address(request)
    if networks and address:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip.version == net.version and ip in net for net in networks)
    return False


@never_cache
@require_GET
def metrics_view(request):
    """Prometheus text format; 403 with what to configure unless the token or the address is allowed."""
    if not _metrics_allowed(request):
        configured = getattr(settings, "SSOCONSOLE_METRICS_TOKEN", None) or getattr(
            settings, "SSOCONSOLE_METRICS_ALLOWED_ADDRESSES", ()
        )
        message = (
            "Send Authorization: Bearer with the token in SSOCONSOLE_METRICS_TOKEN, or scrape from an "
            "address listed in SSOCONSOLE_METRICS_ALLOWED_ADDRESSES."
            if configured
            else "Metrics are off: set SSOCONSOLE_METRICS_TOKEN or SSOCONSOLE_METRICS_ALLOWED_ADDRESSES "
            "to let your Prometheus scrape them."
        )
        response = HttpResponse(
            message + "\n", status=403, content_type="text/plain; charset=utf-8"
        )
        response["WWW-Authenticate"] = 'Bearer realm="ssoconsole-metrics"'
        return response
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)
