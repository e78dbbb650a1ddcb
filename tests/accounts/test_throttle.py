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


def test_a_username_is_locked_after_five_failures_even_for_the_right_password(
    client, plain_user, password, clock
):
    """The sixth attempt is refused with 429 and Retry-After, whatever the password."""
    for _ in range(signin.USERNAME_RULE.limit):
        assert attempt(client, plain_user.username).status_code == 401
    response = attempt(client, plain_user.username, password)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many failed attempts for this username" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(
        action="auth.signin", reason_code="throttled", actor_id=plain_user.id
    ).exists()


def test_a_locked_username_may_try_again_after_the_wait(client, plain_user, password, clock):
    """Once the window has passed, the right password works again."""
    for _ in range(signin.USERNAME_RULE.limit):
        attempt(client, plain_user.username)
    clock.advance(seconds=2 * signin.USERNAME_RULE.window_seconds)
    assert attempt(client, plain_user.username, password).status_code == 302


def test_unknown_usernames_are_throttled_like_real_ones(client, db, clock):
    """Throttling does not reveal which usernames exist."""
    for _ in range(signin.USERNAME_RULE.limit):
        attempt(client, "ghost@example.test")
    assert attempt(client, "GHOST@example.test").status_code == 429


def test_a_success_resets_the_usernames_failures(client, plain_user, password, clock):
    """Four typos, a success, then four more typos do not lock the user out."""
    for _ in range(signin.USERNAME_RULE.limit - 1):
        attempt(client, plain_user.username)
    assert attempt(client, plain_user.username, password).status_code == 302
    other = Client()
    for _ in range(signin.USERNAME_RULE.limit - 1):
        assert attempt(other, plain_user.username).status_code == 401


def test_one_address_is_throttled_across_usernames(db, plain_user, password, clock):
    """Spraying many usernames from one address hits the address limit; other addresses are unaffected."""
    sprayer = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(signin.ADDRESS_RULE.limit):
        assert attempt(sprayer, f"victim{n}@example.test").status_code == 401
    refused = attempt(sprayer, plain_user.username, password)
    assert refused.status_code == 429 and "from your network address" in refused.content.decode()
    assert (
        attempt(Client(REMOTE_ADDR="198.51.100.1"), plain_user.username, password).status_code
        == 302
    )
