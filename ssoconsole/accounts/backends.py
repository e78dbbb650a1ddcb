"""Password authentication for users whose organization does not use SSO."""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend

from ssoconsole.accounts.models import User


class PasswordBackend(BaseBackend):
    """Check a username (any case) and password; refuse inactive users.

    Whether the user's org allows password sign-in at all is decided by the
    login flow, which knows the org's effective SSO setting.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        user = User.objects.filter(username__iexact=username.strip()).first()
        if user is None:
            # Hash anyway so that response time does not reveal whether the user exists.
            User().set_password(password)
            return None
        if user.check_password(password) and user.is_active:
            return user
        return None

    def get_user(self, user_id):
        user = User.objects.select_related("tenant", "org").filter(pk=user_id).first()
        return user if user is not None and user.is_active else None
