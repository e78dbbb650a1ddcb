"""The session engine (``SESSION_ENGINE``): Django's database sessions keyed by user, written once.

Sessions stay in the database, the source of truth that every server
process shares. Three changes to Django's engine:

* each saved row records the signed-in user's id, so that
  ``sessions.end_all_sessions`` can find a user's sessions directly;
* a new session id costs one INSERT. Django's engine inserts an empty row
  when sign-in cycles the id, checks that the random id is free with a
  SELECT first, and then updates the row at the end of the response: three
  statements and two transactions for one session. Here cycling only
  forgets the old id (the old row is deleted); the row is inserted when the
  session is saved, and a 32-character random id that collides anyway fails
  that INSERT on the primary key, which Django's ``create`` answers by
  drawing another id;
* a save that would write what the last save wrote is skipped, so that a
  view may save the session inside its own transaction (the ACS does, see
  ``sessions.save_now``) and the session middleware, which still sets the
  cookie, does not write the same row a second time.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    _last_saved: tuple | None = None

    @classmethod
    def get_model_class(cls):
        from ssoconsole.accounts.models import ConsoleSession

        return ConsoleSession

    def create_model_instance(self, data):
        obj = super().create_model_instance(data)
        try:
            obj.user_id = UUID(str(data[SESSION_KEY])) if data.get(SESSION_KEY) else None
        except ValueError:
            obj.user_id = None
        return obj

    def _get_new_session_key(self) -> str:
        # No "is it free?" SELECT: the INSERT with must_create is the check.
        return get_random_string(32, VALID_KEY_CHARS)

    def cycle_key(self) -> None:
        """Give the session a new id at its next save, keeping its data; the old row goes now."""
        data = self._session
        old_key = self.session_key
        self._session_key = None
        self._session_cache = data
        self.modified = True
        if old_key:
            self.delete(old_key)

    def save(self, must_create: bool = False) -> None:
        if self.session_key is not None and not must_create and self._state() == self._last_saved:
            return
        super().save(must_create=must_create)
        self._last_saved = self._state()

    def _state(self) -> tuple:
        return (self.session_key, dict(getattr(self, "_session_cache", {})))
