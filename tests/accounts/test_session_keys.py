"""New session keys: Django's length and alphabet, each drawn at random, and a collision retried."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.sessions.backends.base import VALID_KEY_CHARS

from ssoconsole.accounts import session_store
from ssoconsole.accounts.session_store import SessionStore, new_session_key

pytestmark = pytest.mark.django_db


def test_a_new_key_has_djangos_length_and_alphabet_and_is_never_repeated():
    keys = [new_session_key() for _ in range(2000)]
    assert len(set(keys)) == len(keys)
    assert all(len(k) == 32 and set(k) <= set(VALID_KEY_CHARS) for k in keys)
    assert all(SessionStore()._validate_session_key(k) for k in keys[:10])


def test_every_character_is_about_equally_likely_in_every_position():
    keys = [new_session_key() for _ in range(3600)]
    for position in (0, 15, 31):  # the last digit is the number's most significant one
        counts = Counter(k[position] for k in keys)
        assert set(counts) == set(VALID_KEY_CHARS)
        assert max(counts.values()) < 3 * min(counts.values())  # expected 100 each


def test_a_key_that_collides_with_a_stored_session_is_drawn_again(monkeypatch):
    first = SessionStore()
    first["x"] = 1
    first.save()
    drawn = iter([first.session_key, "z" * 32])
    monkeypatch.setattr(session_store, "new_session_key", lambda: next(drawn))
    second = SessionStore()
    second["x"] = 2
    second.save()
    assert second.session_key == "z" * 32
    assert SessionStore(first.session_key)["x"] == 1 and SessionStore("z" * 32)["x"] == 2
