"""The product's Prometheus counters, in the bottom layer so that every app can count.

``ssoconsole.ops.metrics`` exposes them at ``/metrics`` with the gauges it
computes from the apps; the apps count here without importing ``ops``, which
sits above them.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

SIGNINS = Counter(
    "ssoconsole_signins",
    "Sign-in attempts by method (password, saml), result (success, refused) and refusal code.",
    ["method", "result", "code"],
)
AGENT_SIGNINS = Counter(
    "ssoconsole_agent_signins",
    "Agent browser sign-ins by result (approved, denied, token_issued, refused).",
    ["result"],
)
THROTTLE_DECISIONS = Counter(
    "ssoconsole_throttle_decisions",
    "Throttle decisions by scope and decision (allowed, refused).",
    ["scope", "decision"],
)
METADATA_REFRESHES = Counter(
    "ssoconsole_metadata_refreshes",
    "Identity-provider metadata refreshes by result (ok, failed).",
    ["result"],
)
REQUEST_SECONDS = Histogram(
    "ssoconsole_http_request_duration_seconds",
    "Time to answer a request, by route (the URL pattern; /login and the ACS among them).",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RESPONSES = Counter(
    "ssoconsole_http_responses",
    "Responses by route and status code.",
    ["route", "status"],
)
