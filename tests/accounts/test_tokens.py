"""API tokens: shown once, stored hashed, revocable, expiring."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.utils import timezone

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import ApiToken


def test_a_token_is_stored_only_as_its_hash(plain_user):
    """The clear token is returned once; the database holds its SHA-256 and a short prefix."""
    raw, token = accounts.create_api_token(plain_user)
    assert raw.startswith("ssoc_") and len(raw) > 40
    stored = ApiToken.objects.get(id=token.id)
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {stored.token_hash, stored.prefix, stored.name} and raw.startswith(
        stored.prefix
    )


def test_a_valid_token_identifies_its_user(plain_user, plain_user_token):
    """The token's user is returned, with its tenant."""
    assert accounts.user_for_token(plain_user_token) == plain_user


def test_using_a_token_records_when(plain_user, plain_user_token):
    """last_used_at shows admins which tokens are alive."""
    accounts.user_for_token(plain_user_token)
    assert ApiToken.objects.get(user=plain_user).last_used_at is not None


def test_revoked_tokens_are_rejected(plain_user):
    """Revocation takes effect on the next request and is audited."""
    raw, token = accounts.create_api_token(plain_user)
    accounts.revoke_api_token(token)
    assert accounts.user_for_token(raw) is None


def test_expired_tokens_are_rejected(plain_user):
    """A token past its expiry no longer authenticates."""
    raw, token = accounts.create_api_token(plain_user)
    token.expires_at = timezone.now() + timedelta(hours=1)
    token.save()
    assert accounts.user_for_token(raw) == plain_user
    assert accounts.user_for_token(raw, now=timezone.now() + timedelta(hours=2)) is None


def test_tokens_of_deactivated_users_are_rejected(plain_user, plain_user_token):
    """Deactivation cuts off API access at once."""
    accounts.set_active(plain_user, False)
    assert accounts.user_for_token(plain_user_token) is None


def test_malformed_tokens_are_rejected_without_a_lookup(
    plain_user_token, django_assert_num_queries
):
    """Wrong prefix, empty and absurdly long tokens are refused before touching the database."""
    with django_assert_num_queries(0):
        for raw in ("", "Bearer x", plain_user_token[5:], "ssoc_" + "a" * 300):
            assert accounts.user_for_token(raw) is None


def test_a_token_that_differs_in_one_character_is_rejected(plain_user_token):
    """Only the exact token matches its hash."""
    tampered = plain_user_token[:-1] + ("A" if plain_user_token[-1] != "A" else "B")
    assert accounts.user_for_token(tampered) is None
