"""Finding 3: moving an org cannot change the sign-in of users the mover may not manage, nor without orgs.sso.

The attack, over HTTP on the live server: an org-admin (``orgs.manage``
without ``orgs.sso``) moves the org of an identity-admin under an SSO org,
and the identity-admin loses password sign-in. Now the move is refused,
naming the users and why; moves that change nobody's sign-in still work.
"""

from __future__ import annotations

import pytest

from ssoconsole.accounts.roles import Role
from ssoconsole.tenancy.models import Organization

from .live import Api

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def it_org(make_org):
    return make_org("IT")


@pytest.fixture
def org_admin_api(app_url, make_user, api_token_for):
    admin = make_user("orgadmin@move.test", roles=[Role.ORG_ADMIN])
    return Api(app_url, api_token_for(admin))


def _parent(org) -> object:
    return Organization.objects.get(id=org.id).parent_id


def test_an_org_admin_cannot_move_an_identity_admins_org_under_sso(
    app_url, it_org, sso_org, make_user, org_admin_api, new_visitor, password
):
    ida = make_user("ida@move.test", roles=[Role.IDENTITY_ADMIN], org=it_org)
    response = org_admin_api("PATCH", f"/orgs/{it_org.id}", {"parentId": str(sso_org.id)})
    error = response.json()["error"]
    assert response.status_code == 403 and error["code"] == "org_move_reaches_unmanageable_users"
    assert (
        "ida@move.test (from password sign-in to single sign-on, who holds identity-admin)"
        in (error["message"])
    )
    assert error["details"]["users"] == ["ida@move.test"]
    assert _parent(it_org) == it_org.parent_id
    new_visitor().sign_in(ida.username, password)  # still signs in with a password


def test_a_move_changing_plain_users_sign_in_needs_orgs_sso(
    app_url, it_org, sso_org, make_user, org_admin_api
):
    make_user("bob@move.test", org=it_org)
    local = make_user("local@move.test", org=it_org)
    type(local).objects.filter(id=local.id).update(local_sign_in=True)
    response = org_admin_api("PATCH", f"/orgs/{it_org.id}", {"parentId": str(sso_org.id)})
    error = response.json()["error"]
    assert response.status_code == 403 and error["code"] == "org_move_changes_sign_in"
    assert "bob@move.test (from password sign-in to single sign-on)" in error["message"]
    assert "local@move.test" not in error["message"], "local users keep their passwords"
    assert "Identity Management Administrator" in error["message"]
    assert _parent(it_org) == it_org.parent_id


def test_an_admin_with_both_roles_may_make_the_move(
    app_url, it_org, sso_org, make_user, api_token_for
):
    make_user("bob@move.test", org=it_org)
    both = make_user("both@move.test", roles=[Role.ORG_ADMIN, Role.IDENTITY_ADMIN])
    api = Api(app_url, api_token_for(both))
    response = api("PATCH", f"/orgs/{it_org.id}", {"parentId": str(sso_org.id)})
    assert response.status_code == 200, response.text
    assert _parent(it_org) == sso_org.id


def test_a_move_that_changes_nobodys_sign_in_needs_only_orgs_manage(
    app_url, it_org, make_org, make_user, org_admin_api
):
    make_user("ida@move.test", roles=[Role.IDENTITY_ADMIN], org=it_org)
    elsewhere = make_org("Elsewhere")  # password sign-in, like IT's current parent
    response = org_admin_api("PATCH", f"/orgs/{it_org.id}", {"parentId": str(elsewhere.id)})
    assert response.status_code == 200, response.text
    assert _parent(it_org) == elsewhere.id


def test_the_console_move_form_shows_the_refusal_next_to_the_field(
    app_url, it_org, sso_org, make_user, new_visitor, password
):
    make_user("ida@move.test", roles=[Role.IDENTITY_ADMIN], org=it_org)
    admin = make_user("orgadmin@move.test", roles=[Role.ORG_ADMIN])
    console = new_visitor().sign_in(admin.username, password)
    response = console.submit(
        f"/console/orgs/{it_org.id}/",
        {"parent": str(sso_org.id)},
        action=f"/console/orgs/{it_org.id}/move/",
    )
    assert response.status_code == 200
    assert "ida@move.test" in response.text and "who holds identity-admin" in response.text
    assert _parent(it_org) == it_org.parent_id
