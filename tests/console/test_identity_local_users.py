"""Identity Management › Local users: the card, Add local user and Remove, in the console."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import User
from ssoconsole.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

INDEX = reverse("console:identity")
ADD = reverse("console:identity_local_user_add")


def remove_url(user):
    return reverse("console:identity_local_user_remove", args=[user.id])


def local(user) -> bool:
    return User.objects.get(id=user.id).local_sign_in


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_card_explains_local_users_and_offers_the_tenants_users(
    world, other, acme_identity_admin
):
    body = acme_identity_admin.get(INDEX).content.decode()
    assert "Local users" in body and "No local users" in body
    assert "keep password sign-in even when their organization uses single sign-on" in body
    assert (
        "for troubleshooting your authentication provider" in body
        and "Keep this list short" in body
    )
    assert f'<option value="{world.target.username}">' in body
    assert other.target.username not in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_the_card_lists_local_users_with_org_password_and_last_sign_in(
    world, acme_identity_admin, client
):
    no_password = world.target
    accounts.set_local_sign_in(no_password, True)
    with_password = world.users["user"]
    accounts.set_local_sign_in(with_password, True)
    client.post(
        "/login",
        {
            "step": "password",
            "username": with_password.username,
            "password": "correct horse battery staple",
        },
    )
    response = acme_identity_admin.get(INDEX)
    rows = {u.username: u for u in response.context["local_users"]}
    assert set(rows) == {no_password.username, with_password.username}
    body = response.content.decode()
    assert "Tara Get" in body and "Engineering" in body
    assert "No password" in body and "Set" in body
    assert rows[with_password.username].last_login is not None and "never" in body
    assert remove_url(no_password) in body
    assert (
        f'<option value="{no_password.username}">' not in body
    )  # already local: not offered again


def test_adding_a_local_user_by_username_in_any_case(world, acme_identity_admin):
    response = acme_identity_admin.post(ADD, {"username": world.users["user"].username.upper()})
    assert response.status_code == 302 and response["Location"] == INDEX
    assert local(world.users["user"])
    assert any("is a local user" in t for t in texts(response))
    event = AuditEvent.objects.get(action="user.local_sign_in_changed")
    assert event.actor_id == world.users["identity-admin"].id and event.data["after"] == {
        "localSignIn": True
    }


def test_adding_a_user_without_a_password_warns_but_succeeds(world, acme_identity_admin):
    response = acme_identity_admin.post(ADD, {"username": world.target.username}, follow=True)
    assert local(world.target)
    body = response.content.decode()
    assert "message-warning" in body and "has no password yet" in body


@pytest.mark.parametrize(
    ("username", "error"),
    [
        ("", "Enter the username of the user to keep on password sign-in."),
        ("nobody@acme.example", "No user named “nobody@acme.example” in your tenant."),
        (
            "two words",
            "The username contains a space (U+0020 SPACE). Usernames cannot contain spaces: remove it.",
        ),
    ],
)
def test_a_bad_username_is_shown_next_to_the_field(world, acme_identity_admin, username, error):
    response = acme_identity_admin.post(ADD, {"username": username})
    assert response.status_code == 200
    assert response.context["local_user_form"].errors["username"] == [error]
    assert 'class="field-error"' in response.content.decode()
    assert not User.objects.filter(local_sign_in=True).exists()


def test_another_tenants_username_is_unknown(world, other, acme_identity_admin):
    response = acme_identity_admin.post(ADD, {"username": other.target.username})
    assert response.status_code == 200
    assert "in your tenant" in response.content.decode()
    assert not local(other.target)


def test_a_more_powerful_user_is_refused_next_to_the_field(world, acme_identity_admin):
    response = acme_identity_admin.post(ADD, {"username": world.users["org-admin"].username})
    assert response.status_code == 200
    assert (
        "carries permissions you do not have"
        in response.context["local_user_form"].errors["username"][0]
    )
    assert not local(world.users["org-admin"])


def test_the_add_form_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["identity-admin"])
    assert client.post(ADD, {"username": world.target.username}).status_code == 403
    assert not local(world.target)


def test_remove_asks_for_confirmation_then_removes(world, acme_identity_admin):
    accounts.set_local_sign_in(world.target, True)
    page = acme_identity_admin.get(remove_url(world.target))
    assert page.status_code == 200 and "Remove local user" in page.content.decode()
    assert local(world.target)  # a GET changes nothing
    response = acme_identity_admin.post(remove_url(world.target))
    assert response.status_code == 302 and response["Location"] == INDEX
    assert not local(world.target)
    assert any("no longer a local user" in t for t in texts(response))
    assert AuditEvent.objects.filter(
        action="user.local_sign_in_changed", data__after={"localSignIn": False}
    ).exists()


def test_removing_a_user_who_is_not_local_changes_nothing(world, acme_identity_admin):
    page = acme_identity_admin.get(remove_url(world.target)).content.decode()
    assert "is not a local user" in page and 'type="submit"' not in page.split("<main", 1)[1]
    response = acme_identity_admin.post(remove_url(world.target))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="user.local_sign_in_changed").exists()


def test_removing_a_more_powerful_local_user_is_refused_on_the_page(world, acme_identity_admin):
    accounts.set_local_sign_in(world.users["org-admin"], True)
    response = acme_identity_admin.post(remove_url(world.users["org-admin"]))
    assert (
        response.status_code == 200
        and "carries permissions you do not have" in response.content.decode()
    )
    assert local(world.users["org-admin"])


def test_another_tenants_local_user_is_not_found(world, other, acme_identity_admin):
    accounts.set_local_sign_in(other.target, True)
    assert acme_identity_admin.get(remove_url(other.target)).status_code == 404
    assert acme_identity_admin.post(remove_url(other.target)).status_code == 404
    assert local(other.target)
    assert other.target.username not in acme_identity_admin.get(INDEX).content.decode()


def test_org_admins_keep_the_user_edit_form_but_not_this_card(world, acme_org_admin):
    assert acme_org_admin.get(INDEX).status_code == 403
    assert acme_org_admin.post(ADD, {"username": world.target.username}).status_code == 403
    assert not local(world.target)
