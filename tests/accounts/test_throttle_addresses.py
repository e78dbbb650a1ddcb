"""Address throttles key IPv6 clients by their /64, and every limit can be set in Django settings."""

from __future__ import annotations

import pytest
from django.test import Client

from ssoconsole.accounts import signin, throttle

RULE = throttle.Rule(
    "test-address", limit=3, window_seconds=600, what="from your network address", per_address=True
)
T0 = 1_800_000_000.0 - (1_800_000_000.0 % 600)


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("not-an-address", "not-an-address"),
        ("", ""),
    ],
)
def test_address_key(address, key):
    assert throttle.address_key(address) == key


def test_rotating_addresses_inside_one_ipv6_64_shares_one_count():
    """Each failure from a fresh address of the same /64 still counts against the /64."""
    for n in range(RULE.limit):
        throttle.record_failure(RULE, f"2001:db8:1:2::{n + 1:x}", now=T0)
    with pytest.raises(throttle.Throttled):
        throttle.check(RULE, "2001:db8:1:2:ffff:ffff:ffff:ffff", now=T0 + 1)
    throttle.check(RULE, "2001:db8:1:3::1", now=T0 + 1)  # the next /64 is another client


def test_ipv4_counts_per_full_address_and_mapped_ipv6_as_ipv4():
    for _ in range(RULE.limit):
        throttle.record_failure(RULE, "::ffff:203.0.113.7", now=T0)
    with pytest.raises(throttle.Throttled):
        throttle.check(RULE, "203.0.113.7", now=T0 + 1)
    throttle.check(RULE, "203.0.113.8", now=T0 + 1)


def test_reset_and_first_refusal_use_the_same_key():
    for _ in range(RULE.limit):
        throttle.record_failure(RULE, "2001:db8::1", now=T0)
    assert throttle.first_refusal(RULE, "2001:db8::2", 60)
    assert not throttle.first_refusal(RULE, "2001:db8::3", 60)
    throttle.reset(RULE, "2001:db8::4", now=T0 + 1)
    throttle.check(RULE, "2001:db8::1", now=T0 + 1)


def test_rules_that_are_not_per_address_keep_the_value():
    """A username that happens to look like an address is not widened to a /64."""
    rule = throttle.Rule("test-username", limit=1, window_seconds=600, what="for this username")
    throttle.record_failure(rule, "2001:db8::1", now=T0)
    throttle.check(rule, "2001:db8::2", now=T0 + 1)


@pytest.mark.parametrize(
    "rule",
    [
        "ssoconsole.accounts.signin.ADDRESS_RULE",
        "ssoconsole.sso.acs.ACS_RULE",
        "ssoconsole.sso.idp_redirect.REDIRECT_RULE",
        "ssoconsole.sso.signin_flow.CHOOSE_RULE",
        "ssoconsole.agents.handoff.START_RULE",
    ],
)
def test_every_address_rule_is_per_address(rule):
    import importlib

    module, name = rule.rsplit(".", 1)
    assert getattr(importlib.import_module(module), name).per_address


def test_settings_override_the_limit_and_window_at_call_time(settings):
    settings.SSOCONSOLE_THROTTLE = {"test-address": (1, 60)}
    throttle.record_failure(RULE, "198.51.100.1", now=T0)
    with pytest.raises(throttle.Throttled) as info:
        throttle.check(RULE, "198.51.100.1", now=T0 + 1)
    assert info.value.retry_after <= 2 * 60 and info.value.rule.limit == 1
    settings.SSOCONSOLE_THROTTLE = {}
    throttle.check(RULE, "198.51.100.1", now=T0 + 1)  # defaults again: 1 of 3


def test_without_the_setting_the_defaults_hold(settings):
    if hasattr(settings, "SSOCONSOLE_THROTTLE"):
        del settings.SSOCONSOLE_THROTTLE
    assert throttle.effective(signin.ADDRESS_RULE) == signin.ADDRESS_RULE
    assert (signin.ADDRESS_RULE.limit, signin.ADDRESS_RULE.window_seconds) == (300, 900)


def test_a_bad_setting_is_refused(settings):
    settings.SSOCONSOLE_THROTTLE = {"test-address": (0, 60)}
    with pytest.raises(ValueError):
        throttle.check(RULE, "198.51.100.1", now=T0)


def attempt(client, username, password="wrong-password-123"):
    return client.post("/login", {"step": "password", "username": username, "password": password})


def test_password_sign_in_throttles_an_ipv6_64_across_addresses(
    db, plain_user, password, clock, settings
):
    """Spraying from a new address of one /64 for every attempt hits the (overridden) address limit."""
    settings.SSOCONSOLE_THROTTLE = {"signin-address": (3, 900)}
    for n in range(3):
        assert (
            attempt(
                Client(REMOTE_ADDR=f"2001:db8:5:6::{n + 1}"), f"victim{n}@example.test"
            ).status_code
            == 401
        )
    refused = attempt(Client(REMOTE_ADDR="2001:db8:5:6::99"), plain_user.username, password)
    assert refused.status_code == 429 and "from your network address" in refused.content.decode()
    assert (
        attempt(Client(REMOTE_ADDR="2001:db8:5:7::1"), plain_user.username, password).status_code
        == 302
    )
