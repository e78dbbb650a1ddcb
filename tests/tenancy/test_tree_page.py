"""Pages of the org tree in tree order, found by walking down the levels instead of ordering every org.

``GET /api/v1/orgs`` ordered all 10,000 orgs of a tenant to cut out one page
(675 ms). Each org now knows the size of its subtree, kept by the services
(create, move); a page is a walk down a level at a time. These tests hold the
walk to :func:`org_tree`'s order, depth and effective settings.
"""

from __future__ import annotations

import random

import pytest

from ssoconsole.tenancy import services as tenancy
from ssoconsole.tenancy.models import Organization, SSOMode

pytestmark = pytest.mark.django_db


def _expected(tenant):
    return [(o.id, depth, eff) for o, depth, eff in tenancy.org_tree(tenant)]


def _paged(tenant, size):
    entries, start = [], 0
    while True:
        page = tenancy.tree_page(tenant, start, size)
        entries += [(e.id, e.depth, e.effective) for e in page.entries]
        if len(page.entries) < size:
            return entries, page.total
        start += size


@pytest.fixture
def grown(tenant, top_org):
    """A tree of 60 orgs built by the services: random parents, names, settings, then moves."""
    rng = random.Random(5)
    orgs = [top_org]
    for i in range(60):
        parent = rng.choice(orgs)
        org = tenancy.create_org(tenant, f"{rng.choice('abcXYZ')}{i}", parent_id=parent.id)
        if i % 7 == 0:
            tenancy.set_org_sso(org, SSOMode.NONE)
        orgs.append(org)
    for org in rng.sample(orgs[1:], 15):
        target = rng.choice(orgs)
        try:
            tenancy.move_org(org, target.id)
        except Exception:  # a cycle or the top org: refused, nothing changed
            pass
    return orgs


@pytest.mark.parametrize("size", [1, 3, 7, 50, 200])
def test_every_page_size_gives_the_whole_tree_in_tree_order(tenant, grown, size):
    entries, total = _paged(tenant, size)
    assert entries == _expected(tenant)
    assert total == 61


def test_a_page_from_any_position_matches_the_tree(tenant, grown):
    expected = _expected(tenant)
    for start in range(0, 62, 5):
        page = tenancy.tree_page(tenant, start, 4)
        assert [(e.id, e.depth, e.effective) for e in page.entries] == expected[start : start + 4]


def test_the_sizes_follow_creates_moves_and_renames(tenant, grown):
    counted = {o.id: o.subtree_size for o in Organization.objects.filter(tenant=tenant)}
    assert tenancy.recount_subtrees(tenant.id) == 0  # nothing to repair
    stale = grown[1]
    tenancy.create_org(tenant, "new child", parent_id=stale.id)
    tenancy.rename_org(stale, "renamed")  # an instance loaded before its new child: no stale write
    assert tenancy.recount_subtrees(tenant.id) == 0
    assert Organization.objects.get(id=stale.id).subtree_size == counted[stale.id] + 1


def test_orgs_added_around_the_services_are_counted_again_before_the_walk(tenant, top_org):
    """A bulk load (like the data-scale benchmark's) writes no sizes; the walk notices and repairs."""
    Organization.objects.bulk_create(
        [Organization(tenant=tenant, parent=top_org, name=f"bulk {i}") for i in range(5)]
    )
    page = tenancy.tree_page(tenant, 0, 50)
    assert [e.depth for e in page.entries] == [0, 1, 1, 1, 1, 1] and page.total == 6
    assert Organization.objects.get(id=top_org.id).subtree_size == 6


def test_a_level_is_paged_by_name_with_depth_and_inherited_setting(tenant, top_org):
    a = tenancy.create_org(tenant, "A")
    tenancy.set_org_sso(a, SSOMode.NONE)
    for name in ["d", "b", "c", "e"]:
        tenancy.create_org(tenant, name, parent_id=a.id)
    page = tenancy.children_page(tenant, a, 1, 2)
    assert page.total == 4
    names = dict(Organization.objects.values_list("id", "name"))
    assert [(names[e.id], e.depth, e.effective.source_org_id) for e in page.entries] == [
        ("c", 2, a.id),
        ("d", 2, a.id),
    ]


def test_a_page_of_the_tree_reads_the_levels_down_to_its_start_then_one_query(
    tenant, top_org, django_assert_num_queries
):
    """A deep chain: the way down costs a query per level, the page itself one query."""
    parent = top_org
    for i in range(10):
        parent = tenancy.create_org(tenant, f"level {i}", parent_id=parent.id)
    for i in range(100):
        tenancy.create_org(tenant, f"leaf {i:03}", parent_id=top_org.id)
    # The count and the top, the top's children (the way down to position 50); the page holds
    # leaves only, which the way down has read already.
    with django_assert_num_queries(3):
        page = tenancy.tree_page(tenant, 50, 5)
    assert [e.depth for e in page.entries] == [1] * 5
    # Down the chain "level 0" ... "level 4": one query for the page however deep it goes.
    with django_assert_num_queries(4):
        page = tenancy.tree_page(tenant, 101, 5)
    assert [e.depth for e in page.entries] == [1, 2, 3, 4, 5]
    with django_assert_num_queries(6):  # from inside the chain: two levels further down
        page = tenancy.tree_page(tenant, 103, 20)
    assert [e.depth for e in page.entries] == [3, 4, 5, 6, 7, 8, 9, 10]


def test_a_page_where_every_org_has_children_costs_three_queries(
    tenant, top_org, django_assert_num_queries
):
    """The walk used to ask for each org's children; now the database walks the page in one query."""
    rng = random.Random(11)
    orgs = [top_org]
    # Parents drawn among the last few orgs made: deep and bushy, most orgs have children.
    for i in range(150):
        parent = rng.choice(orgs[-4:])
        orgs.append(tenancy.create_org(tenant, f"{rng.choice('bBaA_ z')}{i}", parent_id=parent.id))
        if i % 9 == 0:
            tenancy.set_org_sso(orgs[-1], SSOMode.NONE)
    expected = _expected(tenant)
    parents = {e.parent_id for e in tenancy.tree_page(tenant, 0, 200).entries}
    assert len(parents) > 60  # many orgs on the page have children
    for size in (50, 200):
        with django_assert_num_queries(3):  # the count, the top, the walk
            page = tenancy.tree_page(tenant, 0, size)
        assert [(e.id, e.depth, e.effective) for e in page.entries] == expected[:size]
    # Further pages: one query per level down to the page's first org, then the walk.
    for start in (37, 90, 149):
        page = tenancy.tree_page(tenant, start, 50)
        assert [(e.id, e.depth, e.effective) for e in page.entries] == expected[start : start + 50]
