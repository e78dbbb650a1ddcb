"""The authentication backend: loads the user of every console session.

Every session, whatever the sign-in method, names this backend
(``sessions.SESSION_BACKEND``), so ``get_user`` is what turns a session into
a user on each request and what makes a deactivated user anonymous at once.
The login page does not call ``authenticate``: ``accounts.signin`` checks
passwords itself, because it also throttles, audits and tells a deactivated
user why. ``authenticate`` stays for Django's own callers.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.backends import BaseBackend

from ssoconsole.accounts.models import User
from ssoconsole.accounts.services import match_username
from ssoconsole.core.prepared_query import PreparedQuery

# Every signed-in request loads its user: compiled once per process (see PreparedQuery).
_USER_BY_ID = PreparedQuery(
    User,
    lambda user_id: User.objects.select_related("tenant", "org").filter(pk=user_id).order_by()[:1],
    UUID,
)


class PasswordBackend(BaseBackend):
    """Check a username (any case) and password; refuse inactive users.

    Whether the user's org allows password sign-in at all is decided by the
    login flow, which knows the org's effective SSO setting.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        user = match_username(User.objects, username)  # the indexed lookup, Unicode rule included
        if user is None:
            # Hash anyway so that response time does not reveal whether the user exists.
            User().set_password(password)
            return None
        if user.check_password(password) and user.is_active:
            return user
        return None

    def get_user(self, user_id):
        try:
            users = _USER_BY_ID(user_id if isinstance(user_id, UUID) else UUID(str(user_id)))
        except ValueError:
            return None  # not an id this console issued: no one is signed in
        user = users[0] if users else None
        return user if user is not None and user.is_active else None
