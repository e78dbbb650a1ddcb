"""The authentication backend: loads the user of every console session.

Every session, whatever the sign-in method, names this backend
(``sessions.SESSION_BACKEND``), so ``get_user`` is what turns a session into
a user on each request and what makes a deactivated user anonymous at once.
The login page does not call ``authenticate``: ``accounts.signin`` checks
passwords itself, because it also throttles, audits and tells a deactivated
user why. ``authenticate`` stays for Django's own callers.
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend

from ssoconsole.accounts.models import User
from ssoconsole.accounts.services import match_username


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
        users = User.objects.select_related("tenant", "org").filter(pk=user_id).order_by()[:1]
        user = next(iter(users), None)
        return user if user is not None and user.is_active else None
