"""Organizations pages: tree, create, rename, move, sign-in method."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ssoconsole.audit.models import AuditEvent
from ssoconsole.tenancy import services as tenancy
from ssoconsole.tenancy.models import Organization, SSOMode

pytestmark = pytest.mark.django_db


def detail(org) -> str:
    return reverse("console:org_detail", args=[org.id])


def state():
    return sorted(
        Organization.objects.values_list("id", "name", "parent_id", "sso_mode")
    ), AuditEvent.objects.count()


def test_tree_is_indented_and_shows_effective_setting_with_its_source(world, acme_org_admin):
    tenancy.set_org_sso(world.child, SSOMode.NONE)
    response = acme_org_admin.get(reverse("console:org_list"))
    rows = response.context["rows"]
    assert [(r["org"].name, r["depth"]) for r in rows] == [
        ("acme", 0),
        ("Engineering", 1),
        ("Platform", 2),
    ]
    platform = rows[2]
    assert platform["own"] == "Inherits"
    assert (
        platform["effective"]["inherited"] and platform["effective"]["source_name"] == "Engineering"
    )
    assert rows[1]["effective"]["inherited"] is False
    body = response.content.decode()
    assert "inherited from" in body and 'data-depth="2"' in body
    assert "New organization" in body


def test_tree_for_identity_admin_has_no_create_button(world, acme_identity_admin):
    body = acme_identity_admin.get(reverse("console:org_list")).content.decode()
    assert "New organization" not in body


def test_create_org_under_chosen_parent(world, acme_org_admin):
    response = acme_org_admin.post(
        reverse("console:org_create"), {"name": "  Sales   EMEA ", "parent": str(world.child.id)}
    )
    org = Organization.objects.get(name="Sales EMEA")
    assert response.status_code == 302 and response["Location"] == detail(org)
    assert org.parent_id == world.child.id and org.sso_mode == SSOMode.INHERIT
    page = acme_org_admin.get(response["Location"])
    assert "Organization “Sales EMEA” created" in page.content.decode()
    assert AuditEvent.objects.filter(action="org.created", target_id=str(org.id)).exists()


def test_create_form_preselects_parent_from_query(world, acme_org_admin):
    response = acme_org_admin.get(reverse("console:org_create") + f"?parent={world.child.id}")
    assert response.context["form"]["parent"].value() == str(world.child.id)
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"name": "x" * 201}, "name", "at most 200"),
        ({"name": "   "}, "name", "required"),
        ({"name": "engineering"}, "name", "already exists under the same parent"),
    ],
)
def test_create_org_bad_input_shows_field_error_and_writes_nothing(
    world, acme_org_admin, data, field, message
):
    before = state()
    response = acme_org_admin.post(
        reverse("console:org_create"), {"parent": str(world.top.id), **data}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in e for e in errors), errors
    assert 'class="field-error"' in response.content.decode()
    assert state() == before


def test_rename(world, acme_org_admin):
    response = acme_org_admin.post(
        reverse("console:org_rename", args=[world.child.id]), {"name": "R&D"}
    )
    assert response.status_code == 302
    world.child.refresh_from_db()
    assert world.child.name == "R&D"
    event = AuditEvent.objects.get(action="org.renamed")
    assert event.data == {"before": {"name": "Engineering"}, "after": {"name": "R&D"}}


def test_rename_over_long_name_shows_field_error(world, acme_org_admin):
    before = state()
    response = acme_org_admin.post(
        reverse("console:org_rename", args=[world.child.id]), {"name": "n" * 500}
    )
    assert response.status_code == 200
    assert response.context["rename_form"].errors["name"]
    assert response.context["org"].name == "Engineering"
    assert state() == before


def test_rename_to_sibling_name_in_other_case_is_refused(world, acme_org_admin):
    sibling = tenancy.create_org(world.tenant, "Marketing")
    before = state()
    response = acme_org_admin.post(
        reverse("console:org_rename", args=[sibling.id]), {"name": "ENGINEERING"}
    )
    assert (
        "already exists under the same parent" in response.context["rename_form"].errors["name"][0]
    )
    assert response.context["org"].name == "Marketing"
    assert state() == before


def test_move(world, acme_org_admin):
    response = acme_org_admin.post(
        reverse("console:org_move", args=[world.grandchild.id]), {"parent": str(world.top.id)}
    )
    assert response.status_code == 302
    world.grandchild.refresh_from_db()
    assert world.grandchild.parent_id == world.top.id


def test_move_under_own_descendant_shows_field_error_and_writes_nothing(world, acme_org_admin):
    """The picker hides the subtree; a crafted or stale choice gets the service's explanation."""
    page = acme_org_admin.get(detail(world.child))
    offered = [value for value, _ in page.context["move_form"].fields["parent"].choices]
    assert str(world.grandchild.id) not in offered and str(world.child.id) not in offered
    before = state()
    response = acme_org_admin.post(
        reverse("console:org_move", args=[world.child.id]), {"parent": str(world.grandchild.id)}
    )
    assert response.status_code == 200
    errors = response.context["move_form"].errors["parent"]
    assert "cannot be moved under “Platform”, which is inside it" in errors[0]
    assert "cannot be moved under" in response.content.decode()
    assert state() == before


def test_move_under_itself_is_refused(world, acme_org_admin):
    before = state()
    response = acme_org_admin.post(
        reverse("console:org_move", args=[world.child.id]), {"parent": str(world.child.id)}
    )
    assert response.context["move_form"].errors["parent"]
    assert state() == before


def test_top_org_has_no_move_form_and_no_inherit_choice(world, acme_admin):
    response = acme_admin.get(detail(world.top))
    assert "move_form" not in response.context
    modes = [value for value, _ in response.context["auth_form"].fields["mode"].choices]
    assert modes == ["none"]
    assert "Inherit" not in response.content.decode().split("Authentication")[1]


def test_child_org_settings_offer_inherit_and_local_and_explain_missing_providers(
    world, acme_identity_admin
):
    response = acme_identity_admin.get(detail(world.child))
    choices = response.context["auth_form"].fields["mode"].choices
    assert [value for value, _ in choices] == ["inherit", "none"]
    assert "now: Local (password), set on acme" in choices[0][1]
    body = response.content.decode()
    assert "No authentication providers yet" in body
    assert reverse("console:identity") in body
    assert "rename_form" not in response.context  # identity admins do not rename orgs


def test_org_admin_sees_sign_in_method_read_only(world, acme_org_admin):
    response = acme_org_admin.get(detail(world.child))
    assert "auth_form" not in response.context
    assert "Only an Identity Management Administrator can change" in response.content.decode()


def test_set_sign_in_method(world, acme_identity_admin):
    response = acme_identity_admin.post(
        reverse("console:org_authentication", args=[world.child.id]), {"mode": "none"}
    )
    assert response.status_code == 302
    world.child.refresh_from_db()
    assert world.child.sso_mode == SSOMode.NONE
    assert AuditEvent.objects.filter(
        action="org.sso_changed", target_id=str(world.child.id)
    ).exists()
    response = acme_identity_admin.post(
        reverse("console:org_authentication", args=[world.child.id]), {"mode": "inherit"}
    )
    world.child.refresh_from_db()
    assert world.child.sso_mode == SSOMode.INHERIT


@pytest.mark.parametrize(
    "mode", ["inherit", "provider", "provider:00000000-0000-0000-0000-000000000001", "bogus"]
)
def test_invalid_sign_in_method_on_top_org_is_refused(world, acme_identity_admin, mode):
    before = state()
    response = acme_identity_admin.post(
        reverse("console:org_authentication", args=[world.top.id]), {"mode": mode}
    )
    assert response.status_code == 200
    assert response.context["auth_form"].errors["mode"]
    assert state() == before


def test_detail_shows_breadcrumb_children_and_user_count(world, acme_org_admin):
    body = acme_org_admin.get(detail(world.grandchild)).content.decode()
    assert "Engineering" in body and "acme" in body
    body = acme_org_admin.get(detail(world.child)).content.decode()
    assert "1 user" in body and "Platform" in body


def test_unknown_org_is_404(world, acme_org_admin):
    response = acme_org_admin.get("/console/orgs/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_field_errors_are_announced_with_the_input(world, acme_org_admin):
    """The refused input points at its error message (and help text) for screen readers."""
    body = acme_org_admin.post(
        reverse("console:org_create"), {"name": "", "parent": str(world.top.id)}
    ).content.decode()
    assert 'aria-invalid="true"' in body
    assert 'aria-describedby="id_name_error_1"' in body
    assert 'id="id_name_error_1"' in body


def test_org_page_offers_adding_a_user_there_to_user_managers_only(
    world, acme_org_admin, acme_identity_admin
):
    link = reverse("console:user_create") + f"?org={world.child.id}"
    assert link in acme_org_admin.get(detail(world.child)).content.decode()
    assert link not in acme_identity_admin.get(detail(world.child)).content.decode()
    form = acme_org_admin.get(link).context["form"]
    assert form["org"].value() == str(world.child.id)


@pytest.fixture
def big_tree(monkeypatch):
    """Make the tenant's three orgs count as a big tree, which the page shows level by level."""
    from ssoconsole.console.views import common

    monkeypatch.setattr(common, "WHOLE_TREE_MAX", 2)


def test_a_big_tree_shows_the_top_org_and_its_children_only(world, acme_org_admin, big_tree):
    tenancy.set_org_sso(world.child, SSOMode.NONE)
    response = acme_org_admin.get(reverse("console:org_list"))
    rows = response.context["rows"]
    assert [(r["org"].name, r["depth"]) for r in rows] == [("acme", 0), ("Engineering", 1)]
    assert rows[1]["children"] == 1 and rows[1]["users"] == 1
    assert not rows[1]["effective"]["uses_sso"] and not rows[1]["effective"]["inherited"]
    assert f"?parent={world.child.id}" in response.content.decode()


def test_opening_a_level_shows_the_path_and_the_inherited_setting(world, acme_org_admin, big_tree):
    tenancy.set_org_sso(world.child, SSOMode.NONE)
    response = acme_org_admin.get(reverse("console:org_list"), {"parent": world.child.id})
    assert [o.name for o in response.context["path"]] == ["acme"]
    rows = response.context["rows"]
    assert [r["org"].name for r in rows] == ["Engineering", "Platform"]
    platform = rows[1]["effective"]
    assert platform["inherited"] and platform["source_name"] == "Engineering"


def test_another_tenants_org_as_level_is_not_found(world, other, acme_org_admin):
    response = acme_org_admin.get(reverse("console:org_list"), {"parent": other.child.id})
    assert response.status_code == 404


def test_search_finds_orgs_anywhere_in_the_tree_with_their_effective_setting(world, acme_org_admin):
    tenancy.set_org_sso(world.child, SSOMode.NONE)
    response = acme_org_admin.get(reverse("console:org_list"), {"q": "platf"})
    rows = response.context["rows"]
    assert [r["org"].name for r in rows] == ["Platform"]
    assert rows[0]["effective"]["source_name"] == "Engineering"


def test_a_search_without_matches_says_so(world, acme_org_admin):
    response = acme_org_admin.get(reverse("console:org_list"), {"q": "nothing-like-this"})
    assert "No organization matches" in response.content.decode()


def test_a_big_tree_has_no_org_drop_down_on_the_users_page_but_the_filter_works(
    world, acme_org_admin, big_tree
):
    response = acme_org_admin.get(reverse("console:user_list"), {"org": world.child.id})
    page = response.content.decode()
    assert '<select id="org"' not in page and "Organization: <strong>Engineering</strong>" in page
    assert [u.username for u in response.context["page"].object_list] == ["target@acme.example"]


def test_a_list_longer_than_the_count_limit_says_more_than(world, acme_org_admin, monkeypatch):
    """Counting stops at COUNT_MAX: the page says "more than" instead of counting a million rows."""
    from ssoconsole.console.views import common

    monkeypatch.setattr(common, "COUNT_MAX", 3)
    response = acme_org_admin.get(reverse("console:user_list"))
    page = response.context["page"]
    assert page.paginator.count == 3 and page.paginator.capped
    assert "More than 3 in total" in response.content.decode()


def test_a_big_trees_move_form_is_a_search_not_a_list_of_every_org(world, acme_org_admin, big_tree):
    """At 10,000 orgs the drop-down was 1.3 MB of HTML; a big tree searches for the new parent."""
    sales = tenancy.create_org(world.tenant, "Sales")
    body = acme_org_admin.get(detail(world.grandchild)).content.decode()
    assert 'name="move_q"' in body and "<select" not in body.split('id="move-title"')[1]
    assert 'for="id_move_q"' in body  # the search field has its label

    found = acme_org_admin.get(detail(world.child), {"move_q": "a"})
    offered = [label for _, label in found.context["move_form"].fields["parent"].choices]
    # Its own subtree (Engineering › Platform) is not offered; each result shows its path.
    assert sorted(offered) == ["acme", "acme › Sales"]
    assert 'type="radio"' in found.content.decode()

    response = acme_org_admin.post(
        reverse("console:org_move", args=[world.child.id]),
        {"move_q": "sal", "parent": str(sales.id)},
    )
    assert response.status_code == 302
    world.child.refresh_from_db()
    assert world.child.parent_id == sales.id


def test_a_big_trees_move_without_a_choice_says_to_search_and_choose(
    world, acme_org_admin, big_tree
):
    before = state()
    response = acme_org_admin.post(
        reverse("console:org_move", args=[world.grandchild.id]), {"move_q": "acm"}
    )
    assert response.status_code == 200
    errors = response.context["move_form"].errors["parent"]
    assert errors == ["Search for the new parent organization, then choose one of the results."]
    body = response.content.decode()
    assert "There is a problem" in body and 'value="acm"' in body  # the search is kept
    assert state() == before


def test_a_big_trees_move_under_its_own_descendant_gets_the_services_explanation(
    world, acme_org_admin, big_tree
):
    before = state()
    response = acme_org_admin.post(
        reverse("console:org_move", args=[world.child.id]),
        {"move_q": "plat", "parent": str(world.grandchild.id)},
    )
    errors = response.context["move_form"].errors["parent"]
    assert "cannot be moved under “Platform”, which is inside it" in errors[0]
    assert state() == before


def test_a_big_trees_move_search_without_results_says_what_to_do(world, acme_org_admin, big_tree):
    body = acme_org_admin.get(detail(world.child), {"move_q": "platform"}).content.decode()
    assert "No organization outside “Engineering” has a name containing “platform”" in body
    assert "Try another part of the name" in body


def _reach_from_the_tree(tree, org) -> set:
    """The rule read from the whole tree: ``org`` and the orgs below it whose way up inherits."""
    reach, inside, base = {org.id}, False, 0
    for node, depth, _ in tree:
        if node.id == org.id:
            inside, base = True, depth
            continue
        if inside and depth <= base:
            break
        if inside and node.sso_mode == SSOMode.INHERIT and node.parent_id in reach:
            reach.add(node.id)
    return reach


def test_the_reach_of_an_sso_change_is_the_orgs_below_that_inherit(world):
    """The detail page's recursive query follows the same rule as the whole tree does."""
    from django.db import connection

    a = tenancy.create_org(world.tenant, "A")
    b = tenancy.create_org(world.tenant, "B", parent_id=a.id)
    c = tenancy.create_org(world.tenant, "C", parent_id=b.id)
    tenancy.create_org(world.tenant, "D", parent_id=c.id)
    tenancy.set_org_sso(b, SSOMode.NONE)  # B and what is under it follow B, not A
    tenancy.create_org(world.tenant, "E", parent_id=a.id)
    tree = tenancy.org_tree(world.tenant)
    for org, _, _ in tree:
        sql, params = tenancy.sso_reach_query(org)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            from_sql = {tenancy._as_uuid(row[0]) for row in cursor.fetchall()}
        assert from_sql == _reach_from_the_tree(tree, org), org.name


def test_a_big_trees_level_shows_a_page_of_children_and_a_link_to_the_next(
    world, acme_org_admin, big_tree, monkeypatch
):
    """200 children a page took 400 ms at 10,000 orgs; a page is smaller, with a link on."""
    from ssoconsole.console.views import orgs as org_views

    monkeypatch.setattr(org_views, "LEVEL_MAX", 2)
    for name in ["Legal", "Marketing", "Sales"]:
        tenancy.create_org(world.tenant, name)
    first = acme_org_admin.get(reverse("console:org_list"))
    assert [r["org"].name for r in first.context["rows"]] == ["acme", "Engineering", "Legal"]
    body = first.content.decode()
    assert "Sub-organizations 1–2 of 4, by name." in body
    next_link = f"?parent={world.top.id}&amp;from=2"
    assert f'{next_link}">Show the next 2</a>' in body

    second = acme_org_admin.get(reverse("console:org_list"), {"parent": world.top.id, "from": 2})
    assert [r["org"].name for r in second.context["rows"]] == ["acme", "Marketing", "Sales"]
    body = second.content.decode()
    assert "Sub-organizations 3–4 of 4, by name." in body and "Show the next" not in body
    assert f'?parent={world.top.id}">Previous 2</a>' in body
