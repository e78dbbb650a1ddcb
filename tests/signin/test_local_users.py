"""End to end: a local user of an org that uses SSO keeps password sign-in at ``/login`` (docs/rules.md#local-users).

The switch is made the way an Identity Management Administrator makes it,
through the Local users card of the console, and the sign-in goes through
the real ``/login`` with the real SSO flow installed.
"""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from ssoconsole.accounts.models import ConsoleSession
from ssoconsole.accounts.roles import Role

from . import helpers

ADD = reverse("console:identity_local_user_add")


def remove_url(user):
    return reverse("console:identity_local_user_remove", args=[user.id])


def test_a_local_user_of_an_sso_org_signs_in_with_a_password(
    browser_client, make_user, sso_org, password, signed_in_client
):
    helpdesk = make_user("helpdesk@example.org", org=sso_org, password=password)
    admin = signed_in_client(make_user("idm-admin@example.org", roles=[Role.IDENTITY_ADMIN]))

    # Before: the username step sends them to the identity provider, and so does a password.
    assert browser_client.start(helpdesk.username)["url"] == helpers.SSO_URL_A
    refused = Client().post(
        "/login", {"step": "password", "username": helpdesk.username, "password": password}
    )
    assert refused.status_code == 302 and refused["Location"].startswith(helpers.SSO_URL_A)
    assert not ConsoleSession.objects.filter(user_id=helpdesk.id).exists()

    assert admin.post(ADD, {"username": helpdesk.username}).status_code == 302

    # After: the same /login asks for the password, and the password signs them in.
    client = Client()
    step = client.get("/login", {"username": helpdesk.username})
    assert step.status_code == 200 and 'type="password"' in step.content.decode()
    signed_in = client.post(
        "/login", {"step": "password", "username": helpdesk.username, "password": password}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/console/"
    assert client.get("/api/v1/me").json()["username"] == helpdesk.username
    assert ConsoleSession.objects.filter(user_id=helpdesk.id).exists()

    # Removed from the list: back to the identity provider.
    assert admin.post(remove_url(helpdesk)).status_code == 302
    assert browser_client.start(helpdesk.username)["url"] == helpers.SSO_URL_A


def test_a_local_user_without_a_password_gets_the_password_step_but_cannot_sign_in(
    sso_user, make_user, signed_in_client
):
    """Allowed with a warning: until an org-admin sets a password, no password works."""
    admin = signed_in_client(make_user("idm-admin@example.org", roles=[Role.IDENTITY_ADMIN]))
    added = admin.post(ADD, {"username": sso_user.username}, follow=True)
    assert "has no password yet" in added.content.decode()
    client = Client()
    assert (
        'type="password"' in client.get("/login", {"username": sso_user.username}).content.decode()
    )
    attempt = client.post(
        "/login", {"step": "password", "username": sso_user.username, "password": "anything at all"}
    )
    assert attempt.status_code != 302
    assert not ConsoleSession.objects.filter(user_id=sso_user.id).exists()
