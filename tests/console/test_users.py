"""Users pages: search, filters, pagination, create, edit, deactivate and reactivate."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import User
from ssoconsole.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def users_state():
    return (
        sorted(
            User.objects.values_list(
                "id", "username", "first_name", "email", "org_id", "is_active", "password"
            )
        ),
        AuditEvent.objects.count(),
    )


def listed(response) -> list[str]:
    return [u.username for u in response.context["page"].object_list]


def test_list_shows_role_badges_and_status(world, acme_org_admin):
    accounts.set_active(world.target, False)
    response = acme_org_admin.get(reverse("console:user_list"))
    body = response.content.decode()
    assert "badge-role-identity-admin" in body and "badge-role-org-admin" in body
    assert "Deactivated" in body
    assert listed(response)[0] == "both@acme.example"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("q=TARA", ["target@acme.example"]),
        ("q=tara get", ["target@acme.example"]),
        ("q=org-admin@", ["org-admin@acme.example"]),
        ("status=inactive", []),
        ("status=active&q=target", ["target@acme.example"]),
    ],
)
def test_search_and_filters(world, acme_org_admin, query, expected):
    assert listed(acme_org_admin.get(reverse("console:user_list") + "?" + query)) == expected


def test_filter_by_org(world, acme_org_admin):
    response = acme_org_admin.get(reverse("console:user_list") + f"?org={world.child.id}")
    assert listed(response) == ["target@acme.example"]
    assert response.context["org_filter"] == str(world.child.id)
    assert listed(acme_org_admin.get(reverse("console:user_list") + "?org=not-an-id")) == listed(
        acme_org_admin.get(reverse("console:user_list"))
    )


def test_search_by_email(world, acme_org_admin):
    accounts.update_user(world.target, email="tara@example.org")
    assert listed(acme_org_admin.get(reverse("console:user_list") + "?q=example.org")) == [
        "target@acme.example"
    ]


def test_pagination_50_a_page_keeps_filters(world, acme_org_admin, django_assert_max_num_queries):
    for i in range(55):
        accounts.create_user(world.tenant, f"bulk{i:02d}", org=world.child)
    url = reverse("console:user_list") + f"?org={world.child.id}"
    with django_assert_max_num_queries(15):
        first = acme_org_admin.get(url)
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.num_pages == 2
    body = first.content.decode()
    assert f"org={world.child.id}&amp;page=2" in body
    second = acme_org_admin.get(url + "&page=2")
    assert len(second.context["page"].object_list) == 6
    assert acme_org_admin.get(url + "&page=999").context["page"].number == 2


def test_empty_search_says_so(world, acme_org_admin):
    body = acme_org_admin.get(reverse("console:user_list") + "?q=nobody-like-this").content.decode()
    assert "No users match these filters" in body


def test_create_user(world, acme_org_admin):
    response = acme_org_admin.post(
        reverse("console:user_create"),
        {
            "username": "Ada.Lovelace",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "org": str(world.grandchild.id),
            "roles": ["org-admin"],
            "password": "a long enough password",
        },
    )
    user = User.objects.get(username="Ada.Lovelace")
    assert response.status_code == 302 and response["Location"] == reverse(
        "console:user_detail", args=[user.id]
    )
    assert (
        user.org_id == world.grandchild.id
        and user.role_names == ["org-admin"]
        and user.check_password("a long enough password")
    )
    detail = acme_org_admin.get(response["Location"]).content.decode()
    assert "User “Ada.Lovelace” created" in detail


def test_create_user_without_password_or_roles_gets_user_role(world, acme_org_admin):
    acme_org_admin.post(
        reverse("console:user_create"), {"username": "sso.person", "org": str(world.child.id)}
    )
    user = User.objects.get(username="sso.person")
    assert user.role_names == ["user"] and not user.has_usable_password()


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"username": "ORG-ADMIN@ACME.EXAMPLE"}, "username", "already in use"),
        ({"username": "target@ACME.example"}, "username", "already in use"),
        ({"username": "u" * 255}, "username", "at most 254"),
        ({"username": "has space"}, "username", "spaces"),
        ({"username": "ok", "first_name": "f" * 151}, "first_name", "at most 150"),
        ({"username": "ok", "email": "not-an-email"}, "email", "valid email"),
        ({"username": "ok", "password": "short"}, "password", "at least 12"),
        ({"username": "ok", "roles": ["superuser"]}, "roles", "valid choice"),
        ({"username": "ok", "org": "00000000-0000-0000-0000-000000000000"}, "org", "valid choice"),
    ],
)
def test_create_user_bad_input_shows_field_error_and_writes_nothing(
    world, acme_org_admin, data, field, message
):
    before = users_state()
    response = acme_org_admin.post(
        reverse("console:user_create"), {"org": str(world.top.id), **data}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and any(message in e for e in errors[field]), errors
    assert 'class="field-error"' in response.content.decode()
    assert users_state() == before


def test_org_admin_cannot_grant_identity_admin(world, acme_org_admin):
    form = acme_org_admin.get(reverse("console:user_create")).context["form"]
    assert [v for v, _ in form.fields["roles"].choices] == ["org-admin", "user"]
    before = users_state()
    acme_org_admin.post(
        reverse("console:user_create"),
        {"username": "climber", "org": str(world.top.id), "roles": ["identity-admin"]},
    )
    assert users_state() == before


def test_edit_user(world, acme_org_admin):
    url = reverse("console:user_edit", args=[world.target.id])
    form = acme_org_admin.get(url).context["form"]
    assert form["username"].value() == "target@acme.example"
    response = acme_org_admin.post(
        url,
        {
            "username": "Target@acme.example",
            "first_name": "Tara",
            "last_name": "New",
            "email": "",
            "org": str(world.top.id),
            "roles": ["user", "org-admin"],
            "local_sign_in": "on",
            "password": "new password 123",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(id=world.target.id)
    assert (user.username, user.last_name, user.org_id, user.local_sign_in) == (
        "Target@acme.example",
        "New",
        world.top.id,
        True,
    )
    assert user.role_names == ["org-admin", "user"] and user.check_password("new password 123")
    event = AuditEvent.objects.get(action="user.updated")
    assert event.data["before"]["lastName"] == "Get" and event.data["after"]["lastName"] == "New"


def test_edit_keeps_roles_the_editor_cannot_grant(world, acme_org_admin):
    """An org-admin editing an identity-admin neither sees nor removes that role."""
    victim = world.users["identity-admin"]
    response = acme_org_admin.get(reverse("console:user_edit", args=[victim.id]))
    assert "Identity Management Administrator" in response.content.decode()
    acme_org_admin.post(
        reverse("console:user_edit", args=[victim.id]),
        {"username": victim.username, "org": str(world.top.id), "roles": ["user"]},
    )
    # The edit itself is refused now (an org-admin cannot change a more privileged user), so the role stays.
    assert "identity-admin" in User.objects.get(id=victim.id).role_names


def test_edit_to_taken_username_in_other_case_writes_nothing(world, acme_org_admin):
    before = users_state()
    response = acme_org_admin.post(
        reverse("console:user_edit", args=[world.target.id]),
        {
            "username": "USER@acme.example",
            "first_name": "Changed",
            "org": str(world.top.id),
            "roles": ["user"],
        },
    )
    assert "already in use" in response.context["form"].errors["username"][0]
    assert users_state() == before


def test_edit_with_short_password_writes_nothing(world, acme_org_admin):
    before = users_state()
    response = acme_org_admin.post(
        reverse("console:user_edit", args=[world.target.id]),
        {"username": "renamed", "org": str(world.top.id), "roles": ["user"], "password": "short"},
    )
    assert response.context["form"].errors["password"]
    assert users_state() == before


def test_deactivate_needs_confirmation_then_reactivate(world, acme_org_admin):
    url = reverse("console:user_deactivate", args=[world.target.id])
    page = acme_org_admin.get(url)
    assert "Deactivate target@acme.example?" in page.content.decode()
    assert User.objects.get(id=world.target.id).is_active
    response = acme_org_admin.post(url)
    assert response.status_code == 302
    assert not User.objects.get(id=world.target.id).is_active
    assert "is deactivated" in acme_org_admin.get(response["Location"]).content.decode()
    acme_org_admin.post(reverse("console:user_reactivate", args=[world.target.id]))
    assert User.objects.get(id=world.target.id).is_active
    assert list(
        AuditEvent.objects.filter(target_id=str(world.target.id))
        .values_list("action", flat=True)
        .order_by("created_at")
    )[-2:] == ["user.deactivated", "user.reactivated"]


def test_deactivating_a_user_ends_their_sessions(world, acme_org_admin):
    victim_client = world.client("user")
    assert victim_client.get(reverse("console:dashboard")).status_code == 200
    acme_org_admin.post(reverse("console:user_deactivate", args=[world.users["user"].id]))
    assert victim_client.get(reverse("console:dashboard")).status_code == 302


def test_cannot_deactivate_yourself(world, acme_org_admin):
    me = world.users["org-admin"]
    page = acme_org_admin.get(reverse("console:user_deactivate", args=[me.id]))
    assert "You cannot deactivate yourself" in page.content.decode()
    assert "<button" not in page.content.decode().split("Deactivate org-admin")[-1]
    response = acme_org_admin.post(reverse("console:user_deactivate", args=[me.id]))
    assert response.status_code == 400
    assert User.objects.get(id=me.id).is_active


def test_detail_shows_profile_and_recent_changes(world, acme_org_admin):
    accounts.update_user(world.target, first_name="Tamara", actor=world.users["org-admin"])
    body = acme_org_admin.get(
        reverse("console:user_detail", args=[world.target.id])
    ).content.decode()
    assert "Tamara Get" in body and "Engineering" in body and "user.updated" in body
    assert reverse("console:user_edit", args=[world.target.id]) in body


def test_identity_admin_sees_users_read_only(world, acme_identity_admin):
    body = acme_identity_admin.get(
        reverse("console:user_detail", args=[world.target.id])
    ).content.decode()
    assert reverse("console:user_edit", args=[world.target.id]) not in body
    assert "New user" not in acme_identity_admin.get(reverse("console:user_list")).content.decode()


def test_a_search_whose_first_page_is_not_full_is_not_counted_again(world, acme_org_admin):
    """The page's length is its count: a selective search at a million users costs one query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = acme_org_admin.get(reverse("console:user_list") + "?q=target")
    assert listed(response) == ["target@acme.example"]
    assert response.context["page"].paginator.count == 1
    # (the organization filter counts orgs, and SQLite's search index counts its candidates)
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert not [sql for sql in counts if '"accounts_user"' in sql], counts


def test_the_search_field_says_how_short_searches_differ(world, acme_org_admin):
    body = acme_org_admin.get(reverse("console:user_list")).content.decode()
    assert 'aria-describedby="q-help"' in body
    assert "1 or 2: usernames that begin with them." in body
