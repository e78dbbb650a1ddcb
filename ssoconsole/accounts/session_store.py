"""The session engine (``SESSION_ENGINE``): Django's database sessions keyed by user.

Sessions stay in the database, the source of truth that every server
process shares; the only change to Django's engine is that each saved row
records the signed-in user's id, so that ``sessions.end_all_sessions`` can
find a user's sessions directly.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
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
