"""Sign-out: a confirmed POST that ends the console session only, and says so."""

from __future__ import annotations

from django.test import Client

from ssoconsole.accounts.models import ConsoleSession
from ssoconsole.audit.models import AuditEvent


def test_get_logout_asks_for_confirmation_and_signs_no_one_out(signed_in_client, plain_user):
    """A link or an image cannot sign anyone out: GET only shows a button."""
    client = signed_in_client(plain_user)
    body = client.get("/logout").content.decode()
    assert 'method="post"' in body and "csrfmiddlewaretoken" in body
    assert ConsoleSession.objects.filter(user_id=plain_user.id).exists()


def test_post_logout_ends_the_session_and_shows_the_signed_out_page(signed_in_client, plain_user):
    """The session row is deleted and the browser goes to the signed-out page."""
    client = signed_in_client(plain_user)
    response = client.post("/logout")
    assert response.status_code == 302 and response["Location"] == "/signed-out"
    assert not ConsoleSession.objects.filter(user_id=plain_user.id).exists()
    assert client.get("/logout")["Location"] == "/login"


def test_signing_out_is_audited(signed_in_client, plain_user):
    """The audit log shows when a user signed out."""
    signed_in_client(plain_user).post("/logout")
    assert AuditEvent.objects.filter(action="auth.signout", actor_id=plain_user.id).exists()


def test_the_signed_out_page_says_the_identity_provider_session_stays_open(client, db):
    """No Single Logout: the page tells users to sign out at their identity provider too."""
    body = client.get("/signed-out").content.decode()
    assert "You are signed out of ssoconsole" in body
    assert "identity provider session stays open" in body
    assert "does not support Single Logout" in body


def test_logout_needs_the_csrf_token(signed_in_client, plain_user, password):
    """A cross-site form cannot sign a user out."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(plain_user)
    assert client.post("/logout").status_code == 403
    assert ConsoleSession.objects.filter(user_id=plain_user.id).exists()


def test_signing_out_ends_only_this_browsers_session(signed_in_client, plain_user):
    """Other browsers of the same user stay signed in."""
    laptop, phone = signed_in_client(plain_user), signed_in_client(plain_user)
    laptop.post("/logout")
    assert phone.get("/logout").status_code == 200
