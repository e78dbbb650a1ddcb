"""The session engine (``SESSION_ENGINE``): Django's database sessions, keyed by user, stored hashed.

Sessions stay in the database, the source of truth that every server
process shares. Four changes to Django's engine:

- each saved row records the signed-in user's id, so that
  ``sessions.end_all_sessions`` can find a user's sessions directly;
- the row's key is a hash of the cookie's session key (:func:`stored_key`),
  never the key itself: whoever reads the database (a backup, a copied
  SQLite file) learns who is signed in, but cannot present a cookie that
  signs in as them. The keys carry about 190 random bits, so a fast hash is
  enough; BLAKE2b with a 20-byte digest fits the 40-character column.

- a new session id costs one INSERT. Django's engine inserts an empty row
  when sign-in cycles the id, checks that the random id is free with a
  SELECT first, and then updates the row at the end of the response: three
  statements and two transactions for one session. Here cycling only
  forgets the old id (the old row is deleted); the row is inserted when the
  session is saved, and an id that collides anyway (32 random characters)
  fails that INSERT on the primary key, which Django's ``create`` answers by
  drawing another id;
- a save that would write what the last save wrote is skipped, so that a
  view may save the session inside its own transaction (the ACS does, see
  ``sessions.save_now``) and the session middleware, which still sets the
  cookie, does not write the same row a second time.

Rows written before hashing hold raw keys that no cookie hashes to: after
the upgrade those sessions are simply not found (people sign in again once),
and the expiry purge removes the rows.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from datetime import datetime
from uuid import UUID

from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, router, transaction

# Django writes a session's expire_date with its own timezone.now() (SessionBase.get_expiry_date);
# reading it back must use that same clock, so this is the one module that does not use core.clock.
from django.utils import timezone
from django.utils.crypto import get_random_string

from ssoconsole.core.prepared_insert import PreparedInsert
from ssoconsole.core.prepared_query import PreparedQuery


def stored_key(session_key: str) -> str:
    """Return what the database keeps for the cookie's ``session_key`` (40 hex characters)."""
    return hashlib.blake2b(session_key.encode(), digest_size=20).hexdigest()


@functools.cache
def _insert_session() -> PreparedInsert:
    return PreparedInsert(apps.get_model("accounts", "ConsoleSession"))


@functools.cache
def _live_session() -> PreparedQuery:
    """The unexpired row of a stored key: read on every request with a session cookie.

    Compiled once per process (core.prepared_query); built on first use
    because the model module imports this one's settings users.
    """
    from ssoconsole.accounts.models import ConsoleSession

    return PreparedQuery(
        ConsoleSession,
        lambda key, now: ConsoleSession.objects.filter(session_key=key, expire_date__gt=now),
        str,
        datetime,
    )


class SessionStore(DatabaseSessionStore):
    _last_saved: tuple | None = None

    @classmethod
    def get_model_class(cls):
        # Through the app registry, not an import: the model names this store as its store class.
        return apps.get_model("accounts", "ConsoleSession")

    def _get_session_from_db(self):
        try:
            rows = _live_session()(stored_key(self.session_key), timezone.now())
        except SuspiciousOperation as e:
            logging.getLogger(f"django.security.{type(e).__name__}").warning(str(e))
            rows = []
        if not rows:
            self._session_key = None
            return None
        return rows[0]

    async def _aget_session_from_db(self):
        try:
            return await self.model.objects.aget(
                session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as e:
            if isinstance(e, SuspiciousOperation):
                logging.getLogger(f"django.security.{type(e).__name__}").warning(str(e))
            self._session_key = None

    def exists(self, session_key):
        return self.model.objects.filter(session_key=stored_key(session_key)).exists()

    async def aexists(self, session_key):
        return await self.model.objects.filter(session_key=stored_key(session_key)).aexists()

    def create_model_instance(self, data):
        obj = super().create_model_instance(data)
        obj.session_key = stored_key(obj.session_key)
        obj.user_id = _user_id(data)
        return obj

    async def acreate_model_instance(self, data):
        obj = await super().acreate_model_instance(data)
        obj.session_key = stored_key(obj.session_key)
        obj.user_id = _user_id(data)
        return obj

    def delete(self, session_key=None):
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self.model.objects.filter(session_key=stored_key(session_key)).delete()

    async def adelete(self, session_key=None):
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        await self.model.objects.filter(session_key=stored_key(session_key)).adelete()

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
        if must_create and self.session_key is not None:
            self._insert()
        else:
            super().save(must_create=must_create)
        self._last_saved = self._state()

    def _insert(self) -> None:
        """Django's ``save(must_create=True)``, with the INSERT compiled once (core.prepared_insert)."""
        obj = self.create_model_instance(self._get_session(no_load=True))
        try:
            # A savepoint, as Django's: a colliding key fails only this INSERT, and create() retries.
            with transaction.atomic(using=router.db_for_write(self.model, instance=obj)):
                _insert_session()(obj)
        except IntegrityError:
            raise CreateError from None

    def _state(self) -> tuple:
        return (self.session_key, dict(getattr(self, "_session_cache", {})))


def _user_id(data) -> UUID | None:
    try:
        return UUID(str(data[SESSION_KEY])) if data.get(SESSION_KEY) else None
    except ValueError:
        return None
