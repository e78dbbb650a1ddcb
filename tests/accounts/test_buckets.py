"""Token buckets: a burst, then a steady rate, per key; nobody is locked out for a quarter of an hour."""

from __future__ import annotations

import heapq

import pytest

from ssoconsole.accounts import throttle
from ssoconsole.agents.handoff import START_RULE
from ssoconsole.sso.acs import ACS_RULE
from ssoconsole.sso.idp_redirect import REDIRECT_RULE

BUCKET = throttle.Bucket("test-bucket", count=60, seconds=60, burst=5, what="from here")
T0 = 1_800_000_000.0


def test_a_burst_passes_then_the_next_request_waits_one_interval():
    for _ in range(5):
        throttle.take(BUCKET, "k", now=T0)
    with pytest.raises(throttle.Throttled) as info:
        throttle.take(BUCKET, "k", now=T0)
    assert info.value.retry_after == 1 and "Too many requests from here" in info.value.message
    throttle.take(BUCKET, "k", now=T0 + 1)  # one token back after one second (60 per 60 s)


def test_a_refused_request_takes_no_token():
    for _ in range(5):
        throttle.take(BUCKET, "k", now=T0)
    for _ in range(100):
        with pytest.raises(throttle.Throttled):
            throttle.take(BUCKET, "k", now=T0 + 0.5)
    throttle.take(BUCKET, "k", now=T0 + 1)


def test_an_idle_bucket_is_full_again():
    for _ in range(5):
        throttle.take(BUCKET, "k", now=T0)
    for _ in range(5):
        throttle.take(BUCKET, "k", now=T0 + 10)


def test_keys_have_their_own_buckets():
    for _ in range(5):
        throttle.take(BUCKET, "a", now=T0)
    throttle.take(BUCKET, "b", now=T0)


def test_spend_and_check_let_only_failures_cost():
    for _ in range(5):
        throttle.check_bucket(BUCKET, "k", now=T0)
        throttle.spend(BUCKET, "k", now=T0)
    with pytest.raises(throttle.Throttled):
        throttle.check_bucket(BUCKET, "k", now=T0)


def test_an_office_of_2000_behind_one_address_all_start_sign_in_within_ten_minutes():
    """2,000 people arrive in the first two minutes; a refused one reads the page and tries again after
    Retry-After plus up to 30 s; all of them are through within ten minutes."""
    queue = [(T0 + 120 * n / 2000, n) for n in range(2000)]
    heapq.heapify(queue)
    done_at = {}
    while queue:
        at, person = heapq.heappop(queue)
        try:
            throttle.take(REDIRECT_RULE, "192.0.2.1", now=at)
        except throttle.Throttled as exc:
            heapq.heappush(queue, (at + exc.retry_after + person % 31, person))
        else:
            done_at[person] = at
    assert len(done_at) == 2000
    assert max(done_at.values()) - T0 <= 600


def test_an_office_signing_in_at_a_steady_pace_is_never_refused():
    for n in range(2000):
        throttle.take(REDIRECT_RULE, "192.0.2.1", now=T0 + n * 0.3)


def test_an_outsider_draining_his_own_address_leaves_the_office_untouched():
    for n in range(5000):
        try:
            throttle.take(REDIRECT_RULE, "203.0.113.66", now=T0 + n * 0.01)
        except throttle.Throttled:
            pass
    throttle.take(REDIRECT_RULE, "192.0.2.1", now=T0 + 50)


def test_a_bucket_override_sets_rate_and_burst(settings):
    settings.SSOCONSOLE_THROTTLE = {"test-bucket": (1, 60, 2)}
    throttle.take(BUCKET, "k", now=T0)
    throttle.take(BUCKET, "k", now=T0)
    with pytest.raises(throttle.Throttled) as info:
        throttle.take(BUCKET, "k", now=T0)
    assert info.value.retry_after == 60


def test_every_shipped_limit_is_registered_for_the_environment_check(settings):
    for rule in (REDIRECT_RULE, ACS_RULE, START_RULE):
        assert throttle.REGISTRY[rule.scope] is rule
    settings.SSOCONSOLE_THROTTLE = {"sso-start-adress": (1, 1)}
    assert throttle.unknown_overrides() == ["sso-start-adress"]


def test_a_clock_set_back_does_not_lock_a_key_out():
    """Requests made when the clock read a year later must not block the key once it is corrected."""
    for _ in range(5):
        throttle.take(BUCKET, "k", now=T0 + 365 * 86400)
    for _ in range(5):
        throttle.take(BUCKET, "k", now=T0)


def test_a_clock_corrected_back_by_minutes_does_not_lock_out_the_address_meanwhile():
    """An NTP correction of five minutes: the next request goes through, not after five minutes."""
    sso_starts = throttle.Bucket("test-sso-starts", count=3000, seconds=600, burst=300, what="test")
    throttle.take(sso_starts, "203.0.113.9", now=T0 + 300)
    throttle.take(sso_starts, "203.0.113.9", now=T0)


def test_requests_racing_for_the_last_token_let_one_through_and_do_not_refill_the_bucket(
    monkeypatch,
):
    """Ten requests that all read the TAT before any of them moved it: one passes, nine are refused,
    and the bucket stays empty (a race once looked like a clock set back and refilled it)."""
    for _ in range(BUCKET.burst - 1):
        throttle.take(BUCKET, "k", now=T0)
    key = throttle._bucket_key(BUCKET, "k")
    stale = throttle.cache.get(key)
    real_get = throttle.cache.get
    monkeypatch.setattr(
        throttle.cache, "get", lambda k, *a, **kw: stale if k == key else real_get(k, *a, **kw)
    )
    outcomes = []
    for _ in range(10):
        try:
            throttle.take(BUCKET, "k", now=T0)
            outcomes.append("allowed")
        except throttle.Throttled:
            outcomes.append("refused")
    monkeypatch.undo()
    assert outcomes.count("allowed") == 1
    with pytest.raises(throttle.Throttled):
        throttle.take(BUCKET, "k", now=T0)
    throttle.take(BUCKET, "k", now=T0 + 1)  # one interval later, one token again
