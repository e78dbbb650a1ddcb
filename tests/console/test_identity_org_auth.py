"""The Authentication section of an org's settings: providers to choose, and a typed confirmation to enable SSO."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import User
from ssoconsole.tenancy.models import Organization, SSOMode
from ssoconsole.tenancy.services import effective_sso_of, set_org_sso

from .conftest import add_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(world):
    return add_provider(world).provider


def auth_url(org):
    return reverse("console:org_authentication", args=[org.id])


def test_providers_of_the_tenant_are_offered_with_the_affected_users(
    world, provider, acme_identity_admin
):
    kept = accounts.create_user(world.tenant, "kept@acme.example", org=world.grandchild)
    User.objects.filter(id=kept.id).update(local_sign_in=True)
    response = acme_identity_admin.get(reverse("console:org_detail", args=[world.child.id]))
    body = response.content.decode()
    assert f'value="provider:{provider.id}"' in body and "Single sign-on with Acme IdP" in body
    # Engineering's own user and the two in Platform, which inherits; one of them keeps local sign-in.
    assert response.context["affected"] == {"total": 2, "local": 1}
    assert "affects <strong>2 active users</strong>" in body and "except 1 local user" in body
    assert "lose access" in body and "Type <strong>Engineering</strong> to confirm" in body


def test_enabling_sso_needs_the_org_name_typed(world, provider, acme_identity_admin):
    choice = f"provider:{provider.id}"
    for typed in ("", "engineering", "Platform"):
        response = acme_identity_admin.post(
            auth_url(world.child), {"mode": choice, "confirm": typed}
        )
        assert response.status_code == 200
        assert (
            "Type the organization name “Engineering” exactly"
            in response.context["auth_form"].errors["confirm"][0]
        )
        assert Organization.objects.get(id=world.child.id).sso_mode == SSOMode.INHERIT
    response = acme_identity_admin.post(
        auth_url(world.child), {"mode": choice, "confirm": " Engineering "}, follow=True
    )
    assert (
        "Sign-in method of “Engineering” saved: its users now sign in with single sign-on."
        in response.content.decode()
    )
    assert effective_sso_of(world.grandchild).provider_id == provider.id
    assert "Single sign-on · Acme IdP" in response.content.decode()


def test_local_sign_in_and_keeping_the_same_provider_need_no_confirmation(
    world, provider, acme_identity_admin
):
    response = acme_identity_admin.post(auth_url(world.child), {"mode": "none"})
    assert response.status_code == 302
    set_org_sso(world.child, "provider", provider.id)
    response = acme_identity_admin.post(auth_url(world.child), {"mode": f"provider:{provider.id}"})
    assert response.status_code == 302


def test_inheriting_sso_from_the_parent_is_confirmed_too(world, provider, acme_identity_admin):
    set_org_sso(world.child, "provider", provider.id)
    set_org_sso(world.grandchild, "none")
    response = acme_identity_admin.post(auth_url(world.grandchild), {"mode": "inherit"})
    assert response.status_code == 200 and response.context["auth_form"].errors["confirm"]
    response = acme_identity_admin.post(
        auth_url(world.grandchild), {"mode": "inherit", "confirm": "Platform"}
    )
    assert (
        response.status_code == 302
        and effective_sso_of(world.grandchild).provider_id == provider.id
    )


def test_top_org_has_no_inherit_switch_and_enables_sso_for_everyone(
    world, provider, acme_identity_admin
):
    response = acme_identity_admin.get(reverse("console:org_detail", args=[world.top.id]))
    modes = [value for value, _ in response.context["auth_form"].fields["mode"].choices]
    assert modes == ["none", f"provider:{provider.id}"]
    assert response.context["affected"]["total"] == 5  # every active user: all orgs below inherit
    response = acme_identity_admin.post(
        auth_url(world.top), {"mode": f"provider:{provider.id}", "confirm": "acme"}
    )
    assert response.status_code == 302
    assert all(
        effective_sso_of(o).provider_id == provider.id
        for o in (world.top, world.child, world.grandchild)
    )


def test_another_tenants_provider_cannot_be_chosen(world, other, provider, acme_identity_admin):
    foreign = add_provider(other).provider
    response = acme_identity_admin.post(
        auth_url(world.child), {"mode": f"provider:{foreign.id}", "confirm": "Engineering"}
    )
    assert response.status_code == 200 and response.context["auth_form"].errors["mode"]
    assert Organization.objects.get(id=world.child.id).sso_mode == SSOMode.INHERIT
