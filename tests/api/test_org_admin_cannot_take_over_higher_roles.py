"""Security review: an org-admin cannot take over a more privileged account (API and console paths)."""

from __future__ import annotations

from django.test import Client

from ssoconsole.accounts.models import User

from .catalog import P


def test_org_admin_cannot_set_password_and_local_sign_in_of_identity_admin(world):
    """An org-admin setting a password (and local sign-in) on an identity-admin would become one: refused."""
    victim = world.users["identity-admin"]
    response = world.client("org-admin").patch(
        f"{P}/users/{victim.id}", {"password": "attacker chosen pass", "localSignIn": True}
    )
    assert response.status_code == 403
    victim = User.objects.get(id=victim.id)
    assert not victim.check_password("attacker chosen pass")
    assert victim.local_sign_in is False


def test_org_admin_cannot_rename_identity_admin(world):
    """Renaming the identity-admin to a username the org-admin's IdP asserts would hand over the account via SSO."""
    victim = world.users["identity-admin"]
    response = world.client("org-admin").patch(
        f"{P}/users/{victim.id}", {"username": "mine@acme.example"}
    )
    assert response.status_code == 403
    assert User.objects.get(id=victim.id).username == victim.username


def test_org_admin_cannot_deactivate_identity_admin(world):
    victim = world.users["identity-admin"]
    response = world.client("org-admin").post(f"{P}/users/{victim.id}/deactivate")
    assert response.status_code == 403
    assert User.objects.get(id=victim.id).is_active


def test_org_admin_still_manages_plain_users_and_org_admins(world):
    response = world.client("org-admin").patch(
        f"{P}/users/{world.target.id}", {"password": "a long passphrase"}
    )
    assert response.status_code == 200
    assert User.objects.get(id=world.target.id).check_password("a long passphrase")


def test_console_edit_form_cannot_set_identity_admin_password(world):
    """The console's edit page goes through the same service rule."""
    victim = world.users["identity-admin"]
    client = Client()
    client.force_login(world.users["org-admin"])
    client.post(
        f"/console/users/{victim.id}/edit/",
        {
            "username": victim.username,
            "first_name": "",
            "last_name": "",
            "email": "",
            "org": str(victim.org_id),
            "local_sign_in": "on",
            "password": "attacker chosen pass",
        },
    )
    victim = User.objects.get(id=victim.id)
    assert not victim.check_password("attacker chosen pass")
    assert victim.local_sign_in is False
