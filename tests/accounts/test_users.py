"""Users: case-insensitive usernames, password rules and argon2."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import User
from ssoconsole.core.errors import Conflict, ValidationFailed


def test_usernames_are_unique_regardless_of_case(make_user):
    """Alice and ALICE are the same username (docs/rules.md#usernames)."""
    make_user("Alice@Example.test")
    with pytest.raises(Conflict) as info:
        make_user("alice@EXAMPLE.test")
    assert info.value.code == "username_taken" and info.value.field == "username"


def test_usernames_stay_unique_across_tenants(make_user, other_tenant):
    """Usernames are unique in the deployment, not per tenant: the IdP names users globally."""
    make_user("same-name@example.test")
    with pytest.raises(Conflict):
        make_user("SAME-NAME@example.test", tenant=other_tenant)


def test_the_database_refuses_a_duplicate_in_another_case(make_user, tenant, top_org):
    """The functional unique index holds even when the service check is bypassed."""
    make_user("bob@example.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(tenant=tenant, org=top_org, username="BOB@example.test")


def test_a_user_is_found_by_username_in_any_case(make_user):
    """Sign-in and the IdP's assertion may spell the username differently."""
    user = make_user("Carol@Example.test")
    assert accounts.find_user_by_username("carol@example.TEST") == user
    assert accounts.find_user_by_username(" carol@example.TEST") is None, "never trimmed"
    assert accounts.find_user_by_username("nobody@example.test") is None


def test_the_username_keeps_the_case_it_was_typed_in(make_user):
    """Case is kept for display."""
    assert make_user("Dave.Smith@Example.test").username == "Dave.Smith@Example.test"


@pytest.mark.parametrize(
    "username, code",
    [
        ("", "username_required"),
        ("a b", "username_invalid"),
        ("x\x00y", "username_invalid"),
        ("u" * 255, "username_too_long"),
    ],
)
def test_malformed_usernames_are_refused(make_user, username, code):
    """Empty, whitespace-bearing, control-character and over-long usernames fail with a code."""
    with pytest.raises(ValidationFailed) as info:
        make_user(username)
    assert info.value.code == code


@pytest.mark.parametrize(
    "password, code",
    [
        ("short", "password_too_short"),
        ("x" * 11, "password_too_short"),
        ("x" * 1025, "password_too_long"),
    ],
)
def test_passwords_must_have_a_sensible_length(make_user, password, code):
    """At least 12 characters; at most 1024, so hashing cannot be used to exhaust the server."""
    with pytest.raises(ValidationFailed) as info:
        make_user(password=password)
    assert info.value.code == code and info.value.field == "password"


def test_passwords_are_hashed_with_argon2id(make_user, password):
    """The stored hash is argon2id, and argon2 is the only hasher configured."""
    user = make_user()
    assert user.password.startswith("argon2$argon2id$")
    assert password not in user.password
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert user.check_password(password) and not user.check_password(password + "!")


def test_a_user_created_without_a_password_has_no_usable_one(make_user):
    """SSO users get an unusable password, so no password can sign them in."""
    user = make_user(password=None)
    assert not user.has_usable_password()
    assert not user.check_password("")


def test_setting_a_password_is_audited_without_the_password(make_user):
    """The audit log records that a password was set, never the password."""
    from ssoconsole.audit.models import AuditEvent

    user = make_user()
    accounts.set_password(user, "a-brand-new-password")
    event = AuditEvent.objects.get(action="user.password_set", target_id=str(user.id))
    assert "a-brand-new-password" not in str(event.data)
