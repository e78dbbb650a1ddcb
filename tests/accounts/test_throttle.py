"""Throttling of repeated sign-in failures, per username and per client address."""

from __future__ import annotations

import pytest
from django.test import Client

from ssoconsole.accounts import signin, throttle
from ssoconsole.audit.models import AuditEvent

RULE = throttle.Rule("test", limit=3, window_seconds=600, what="for this test")
T0 = 1_800_000_000.0 - (1_800_000_000.0 % 600)  # the start of a window


def fail(times: int, value: str = "key", now: float = T0) -> None:
    for _ in range(times):
        throttle.record_failure(RULE, value, now=now)


def test_failures_below_the_limit_are_allowed():
    """Two failures of three allowed: the next attempt may go ahead."""
    fail(2)
    throttle.check(RULE, "key", now=T0 + 1)


def test_reaching_the_limit_refuses_with_a_retry_after():
    """The refusal says how long to wait, in seconds and in words."""
    fail(3)
    with pytest.raises(throttle.Throttled) as info:
        throttle.check(RULE, "key", now=T0 + 60)
    assert info.value.status == 429 and info.value.code == "throttled"
    assert 0 < info.value.retry_after <= 2 * 600
    assert "Wait" in info.value.message and "for this test" in info.value.message


def test_keys_are_compared_without_regard_to_case_and_spaces():
    """ALICE and alice share one counter, like usernames do."""
    fail(3, "Alice@Example.test")
    with pytest.raises(throttle.Throttled):
        throttle.check(RULE, " alice@example.TEST", now=T0 + 1)


def test_other_keys_are_not_affected():
    """One username's failures do not lock out another."""
    fail(3, "a")
    throttle.check(RULE, "b", now=T0 + 1)


def test_the_limit_slides_instead_of_resetting_at_a_window_boundary():
    """Failures just before a boundary still count just after it."""
    fail(3, now=T0 + 599)
    with pytest.raises(throttle.Throttled):
        throttle.check(RULE, "key", now=T0 + 601)


def test_the_wait_ends_when_the_retry_after_says():
    """After retry_after seconds the key may try again."""
    fail(3, now=T0 + 100)
    with pytest.raises(throttle.Throttled) as info:
        throttle.check(RULE, "key", now=T0 + 100)
    throttle.check(RULE, "key", now=T0 + 100 + info.value.retry_after + 1)
    throttle.check(RULE, "key", now=T0 + 2 * 600)


def test_reset_forgets_the_failures():
    """A proven key starts from zero."""
    fail(3)
    throttle.reset(RULE, "key", now=T0 + 1)
    throttle.check(RULE, "key", now=T0 + 2)


def test_an_empty_key_is_never_throttled():
    """A request without a client address is limited by its username alone."""
    fail(10, "")
    throttle.check(RULE, "", now=T0)


def attempt(client, username, password="wrong-password-123"):
    return client.post("/login", {"step": "password", "username": username, "password": password})


def test_one_client_is_stopped_after_five_failures_for_a_username_even_with_the_right_password(
    client, plain_user, password, clock
):
    """The sixth attempt from the same address is refused with 429 and Retry-After, whatever the password."""
    for _ in range(signin.USERNAME_ADDRESS_RULE.limit):
        assert attempt(client, plain_user.username).status_code == 401
    response = attempt(client, plain_user.username, password)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many failed attempts for this username from your network address" in (
        response.content.decode()
    )
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(
        action="auth.signin", reason_code="throttled", actor_id=plain_user.id
    ).exists()


def test_an_outsiders_failures_do_not_lock_the_user_out_from_another_address(
    db, plain_user, password, clock
):
    """Five wrong passwords from the outsider's address slow the outsider, not the user."""
    outsider = Client(REMOTE_ADDR="203.0.113.66")
    for _ in range(signin.USERNAME_ADDRESS_RULE.limit):
        assert attempt(outsider, plain_user.username).status_code == 401
    assert attempt(outsider, plain_user.username, password).status_code == 429
    user = Client(REMOTE_ADDR="198.51.100.20")
    assert attempt(user, plain_user.username, password).status_code == 302


def test_guessing_from_many_addresses_stops_at_the_username_limit(db, plain_user, password, clock):
    """A guesser who rotates addresses meets the per-username limit (for browsers new to this user)."""
    for n in range(signin.USERNAME_RULE.limit):
        guesser = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
        assert attempt(guesser, plain_user.username).status_code == 401
    fresh = Client(REMOTE_ADDR="203.0.113.200")
    refused = attempt(fresh, plain_user.username, password)
    assert refused.status_code == 429 and "for this username" in refused.content.decode()


def test_a_known_device_signs_in_while_outsiders_lock_the_username_out_everywhere_else(
    db, plain_user, password, clock
):
    """The user's own browser, which signed in before, is not refused because of anybody else's failures."""
    own = Client(REMOTE_ADDR="198.51.100.20")
    assert attempt(own, plain_user.username, password).status_code == 302
    own.post("/logout")
    for n in range(signin.USERNAME_RULE.limit + 5):
        attempt(Client(REMOTE_ADDR=f"203.0.113.{n + 1}"), plain_user.username)
    assert (
        attempt(Client(REMOTE_ADDR="203.0.113.250"), plain_user.username, password).status_code
        == 429
    )
    assert attempt(own, plain_user.username, password).status_code == 302


def test_a_known_device_has_its_own_limit_and_a_forged_cookie_is_ignored(
    db, plain_user, password, clock
):
    """A known device that fails five times is stopped; a cookie that is not ours counts as a new browser."""
    own = Client(REMOTE_ADDR="198.51.100.20")
    assert attempt(own, plain_user.username, password).status_code == 302
    for _ in range(signin.DEVICE_RULE.limit):
        assert attempt(own, plain_user.username).status_code == 401
    assert attempt(own, plain_user.username, password).status_code == 429
    forged = Client(REMOTE_ADDR="198.51.100.21")
    forged.cookies["ssoconsole_device"] = own.cookies["ssoconsole_device"].value[:-4] + "AAAA"
    assert attempt(forged, plain_user.username, password).status_code == 302


def test_a_valid_sign_in_does_not_erase_failures_it_did_not_cause(db, plain_user, password, clock):
    """An outsider's four failures from the office address stay counted after a colleague signs in there."""
    office = "192.0.2.10"
    outsider = Client(REMOTE_ADDR=office)
    for _ in range(signin.USERNAME_ADDRESS_RULE.limit - 1):
        assert attempt(outsider, plain_user.username).status_code == 401
    assert attempt(Client(REMOTE_ADDR=office), plain_user.username, password).status_code == 302
    assert attempt(outsider, plain_user.username).status_code == 401
    assert attempt(outsider, plain_user.username).status_code == 429


def test_a_known_device_forgets_its_own_typos_after_the_right_password(
    db, plain_user, password, clock
):
    """Four typos, a success, then four more typos on the same browser do not lock the user out."""
    own = Client()
    assert attempt(own, plain_user.username, password).status_code == 302
    for _ in range(signin.DEVICE_RULE.limit - 1):
        assert attempt(own, plain_user.username).status_code == 401
    assert attempt(own, plain_user.username, password).status_code == 302
    for _ in range(signin.DEVICE_RULE.limit - 1):
        assert attempt(own, plain_user.username).status_code == 401


def test_a_locked_client_may_try_again_after_the_wait(client, plain_user, password, clock):
    """Once the window has passed, the right password works again."""
    for _ in range(signin.USERNAME_ADDRESS_RULE.limit):
        attempt(client, plain_user.username)
    clock.advance(seconds=2 * signin.USERNAME_ADDRESS_RULE.window_seconds)
    assert attempt(client, plain_user.username, password).status_code == 302


def test_unknown_usernames_are_throttled_like_real_ones(client, db, clock):
    """Throttling does not reveal which usernames exist."""
    for _ in range(signin.USERNAME_ADDRESS_RULE.limit):
        attempt(client, "ghost@example.test")
    assert attempt(client, "GHOST@example.test").status_code == 429


def test_one_address_spraying_many_usernames_meets_the_high_backstop(
    db, plain_user, password, clock, settings
):
    """The address-wide limit (lowered here) stops a sprayer; other addresses are unaffected."""
    settings.SSOCONSOLE_THROTTLE = {"signin-address": (3, 900)}
    sprayer = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(3):
        assert attempt(sprayer, f"victim{n}@example.test").status_code == 401
    refused = attempt(sprayer, plain_user.username, password)
    assert refused.status_code == 429 and "from your network address" in refused.content.decode()
    assert (
        attempt(Client(REMOTE_ADDR="198.51.100.1"), plain_user.username, password).status_code
        == 302
    )


def test_the_address_backstop_is_high_enough_for_an_office():
    """Hundreds of colleagues behind one address may each mistype before the address is refused."""
    assert signin.ADDRESS_RULE.limit >= 300
    assert signin.USERNAME_ADDRESS_RULE.limit <= 5
