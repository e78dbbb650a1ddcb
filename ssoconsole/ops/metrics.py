"""Prometheus metrics: what an operator alerts on, counted in every gunicorn worker.

``ssoconsole serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh directory
before anything is imported, so each worker writes its counts to files there
and ``/metrics`` adds them up (prometheus-client's multiprocess mode); a
single process (tests, ``manage.py``) keeps them in memory.

Sign-in and agent counters follow the audit log: every sign-in, refusal and
agent hand-off is audited in one place, so counting there misses none.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from ssoconsole.core import clock
from ssoconsole.core.counters import (  # noqa: F401 - exposed here with the gauges below
    AGENT_SIGNINS,
    METADATA_REFRESHES,
    REQUEST_SECONDS,
    RESPONSES,
    SIGNINS,
    THROTTLE_DECISIONS,
)

_AGENT_RESULTS = {
    "agent.signin_approved": "approved",
    "agent.signin_denied": "denied",
    "agent.created": "token_issued",
    "agent.refused": "refused",
}


def _on_audit_event(sender, instance, created, **kwargs) -> None:
    if not created:
        return
    if instance.action == "auth.signin":
        SIGNINS.labels(
            method=(instance.data or {}).get("method") or "password",
            result="success" if instance.outcome == "success" else "refused",
            code=instance.reason_code or "",
        ).inc()
    elif instance.action in _AGENT_RESULTS:
        AGENT_SIGNINS.labels(result=_AGENT_RESULTS[instance.action]).inc()


def connect_audit_signals() -> None:
    from django.db.models.signals import post_save

    from ssoconsole.audit.models import AuditEvent

    post_save.connect(_on_audit_event, sender=AuditEvent, dispatch_uid="ssoconsole-ops-metrics")


class CertificateExpiryCollector:
    """Days until each provider's signing certificates expire, read from the database at scrape time."""

    def collect(self):
        from ssoconsole.saml.metadata import CertificateInfo
        from ssoconsole.sso.metadata_store import certificate_ders
        from ssoconsole.sso.models import AuthProvider

        gauge = GaugeMetricFamily(
            "ssoconsole_idp_certificate_expiry_days",
            "Days until each signing certificate of each identity provider expires (negative: expired).",
            labels=["tenant_id", "provider_id", "sha256"],
        )
        now = clock.now()
        for provider in AuthProvider.objects.only("id", "tenant_id", "signing_certificates"):
            for der in certificate_ders(provider):
                info = CertificateInfo.from_der(der)
                days = (info.not_after - now).total_seconds() / 86400
                gauge.add_metric(
                    [
                        str(provider.tenant_id),
                        str(provider.id),
                        info.sha256_fingerprint.replace(":", "")[:16].lower(),
                    ],
                    round(days, 2),
                )
        yield gauge
        yield self._in_use()

    @staticmethod
    def _in_use():
        """Whole days left on the certificate each provider signs with (what to alert on).

        Learned from accepted sign-ins (``learned="true"``), else the
        longest-lived listed certificate: ``ssoconsole.sso.certificates``.
        """
        from ssoconsole.sso.certificates import days_left_by_provider

        gauge = GaugeMetricFamily(
            "ssoconsole_idp_signing_certificate_days_left",
            "Whole days until the certificate each identity provider signs with expires "
            "(negative: expired; sign-in still works, the console warns at 30, 7 and 1).",
            labels=["tenant_id", "provider_id", "learned"],
        )
        for row in days_left_by_provider(clock.now()):
            if row["daysLeft"] is not None:
                gauge.add_metric(
                    [row["tenantId"], row["providerId"], "true" if row["learned"] else "false"],
                    row["daysLeft"],
                )
        return gauge


def exposition() -> tuple[bytes, str]:
    """Return the metrics text of all workers (multiprocess mode) or of this process, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    read_now = CollectorRegistry()
    read_now.register(CertificateExpiryCollector())
    return generate_latest(counted) + generate_latest(read_now), CONTENT_TYPE_LATEST
