"""The session engine (``SESSION_ENGINE``): Django's database sessions, keyed by user, stored hashed.

Sessions stay in the database, the source of truth that every server
process shares. Two changes to Django's engine:

- each saved row records the signed-in user's id, so that
  ``sessions.end_all_sessions`` can find a user's sessions directly;
- the row's key is a hash of the cookie's session key (:func:`stored_key`),
  never the key itself: whoever reads the database (a backup, a copied
  SQLite file) learns who is signed in, but cannot present a cookie that
  signs in as them. The keys carry about 190 random bits, so a fast hash is
  enough; BLAKE2b with a 20-byte digest fits the 40-character column.

Rows written before hashing hold raw keys that no cookie hashes to: after
the upgrade those sessions are simply not found (people sign in again once),
and the expiry purge removes the rows.
"""

from __future__ import annotations

import hashlib
import logging
from uuid import UUID

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone


def stored_key(session_key: str) -> str:
    """Return what the database keeps for the cookie's ``session_key`` (40 hex characters)."""
    return hashlib.blake2b(session_key.encode(), digest_size=20).hexdigest()


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        from ssoconsole.accounts.models import ConsoleSession

        return ConsoleSession

    def _get_session_from_db(self):
        try:
            return self.model.objects.get(
                session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as e:
            if isinstance(e, SuspiciousOperation):
                logging.getLogger(f"django.security.{type(e).__name__}").warning(str(e))
            self._session_key = None

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


def _user_id(data) -> UUID | None:
    try:
        return UUID(str(data[SESSION_KEY])) if data.get(SESSION_KEY) else None
    except ValueError:
        return None
