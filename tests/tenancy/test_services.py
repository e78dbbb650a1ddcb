"""Tenant and organization services: validation, audit, and the one-query effective setting."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, transaction

from ssoconsole.audit.models import AuditEvent
from ssoconsole.core.errors import Conflict, NotFound, ValidationFailed
from ssoconsole.tenancy import services as tenancy
from ssoconsole.tenancy.models import Organization, SSOMode

PROVIDER = uuid.uuid4()


@pytest.fixture
def known_provider(monkeypatch, tenant):
    """Pretend the sso app owns ``PROVIDER`` in ``tenant`` (and nothing else)."""
    monkeypatch.setattr(
        tenancy, "_provider_checkers", [lambda t, pid: t.id == tenant.id and pid == PROVIDER]
    )
    return PROVIDER


def test_a_new_tenant_has_exactly_one_top_org_with_password_sign_in(tenant):
    """create_tenant also creates the top org, named after the tenant, with SSO ``none``."""
    top = Organization.objects.get(tenant=tenant)
    assert top.is_top and top.name == tenant.name and top.sso_mode == SSOMode.NONE


def test_creating_a_tenant_is_audited_with_the_cli_as_actor(db):
    """The CLI creates tenants, so the event names it."""
    tenant = tenancy.create_tenant("Audited Co")
    event = AuditEvent.objects.get(action="tenant.created", target_id=str(tenant.id))
    assert event.actor_label == "cli" and event.tenant_id == tenant.id


def test_a_tenant_id_cannot_be_used_twice(tenant):
    """A duplicate id is a conflict, not a second tenant."""
    with pytest.raises(Conflict) as info:
        tenancy.create_tenant("Again", tenant_id=tenant.id)
    assert info.value.code == "tenant_exists"


def test_a_second_top_org_is_refused_by_the_database(tenant):
    """Exactly one top org per tenant holds even for code that bypasses the services."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(tenant=tenant, name="Another top", sso_mode=SSOMode.NONE)


def test_new_orgs_go_under_the_top_org_and_inherit(tenant, top_org):
    """Without a parent, an org is a child of the top org and inherits its SSO setting."""
    org = tenancy.create_org(tenant, "  Sales   team ")
    assert (
        org.parent_id == top_org.id and org.sso_mode == SSOMode.INHERIT and org.name == "Sales team"
    )


@pytest.mark.parametrize(
    "name, code",
    [
        ("", "name_required"),
        ("   ", "name_required"),
        (None, "name_required"),
        ("x" * 201, "name_too_long"),
    ],
)
def test_bad_org_names_are_refused(tenant, name, code):
    """Blank and over-long names fail with a field error; nothing is written."""
    before = Organization.objects.count()
    with pytest.raises(ValidationFailed) as info:
        tenancy.create_org(tenant, name)
    assert info.value.code == code and info.value.field == "name"
    assert Organization.objects.count() == before


def test_sibling_names_are_unique_regardless_of_case(tenant, make_org):
    """Two children of one parent cannot share a name; cousins can."""
    sales = make_org("Sales")
    with pytest.raises(Conflict) as info:
        tenancy.create_org(tenant, "SALES")
    assert info.value.code == "org_name_taken"
    assert tenancy.create_org(tenant, "Sales", parent_id=sales.id).parent_id == sales.id


def test_an_org_of_another_tenant_is_not_found(tenant, other_tenant):
    """Another tenant's org is as absent as a missing one."""
    foreign = tenancy.top_org(other_tenant)
    with pytest.raises(NotFound):
        tenancy.create_org(tenant, "Sneaky", parent_id=foreign.id)
    with pytest.raises(NotFound):
        tenancy.get_org(tenant, foreign.id)


def test_a_malformed_org_id_is_a_validation_error(tenant):
    """A parent id that is not a UUID is named as such."""
    with pytest.raises(ValidationFailed) as info:
        tenancy.create_org(tenant, "X", parent_id="not-a-uuid")
    assert info.value.code == "invalid_id"


def test_renaming_is_audited_with_before_and_after(make_org):
    """The audit event holds only what changed."""
    org = make_org("Old name")
    tenancy.rename_org(org, "New name")
    event = AuditEvent.objects.get(action="org.renamed", target_id=str(org.id))
    assert event.data == {"before": {"name": "Old name"}, "after": {"name": "New name"}}


def test_an_org_moves_under_another_org_of_its_tenant(make_org):
    """Moving changes the parent and is audited."""
    a, b = make_org("A"), make_org("B")
    tenancy.move_org(b, a.id)
    b.refresh_from_db()
    assert b.parent_id == a.id
    assert AuditEvent.objects.filter(action="org.moved", target_id=str(b.id)).exists()


def test_an_org_cannot_move_under_its_own_descendant(make_org):
    """A move that would create a cycle is refused and nothing changes."""
    a = make_org("A")
    b = make_org("B", parent=a)
    c = make_org("C", parent=b)
    with pytest.raises(ValidationFailed) as info:
        tenancy.move_org(a, c.id)
    assert info.value.code == "org_move_cycle" and info.value.field == "parentId"
    a.refresh_from_db()
    assert a.parent_id != c.id


def test_an_org_cannot_move_under_itself(make_org):
    """The shortest cycle is refused too."""
    a = make_org("A")
    with pytest.raises(ValidationFailed) as info:
        tenancy.move_org(a, a.id)
    assert info.value.code == "org_move_cycle"


def test_the_top_org_cannot_move(top_org, make_org):
    """The top org stays the root of the tree."""
    child = make_org("Child")
    with pytest.raises(ValidationFailed) as info:
        tenancy.move_org(top_org, child.id)
    assert info.value.code == "org_top_immovable"


def test_an_org_cannot_move_into_another_tenant(make_org, other_tenant):
    """The new parent must belong to the same tenant."""
    with pytest.raises(NotFound):
        tenancy.move_org(make_org("A"), tenancy.top_org(other_tenant).id)


def test_sso_mode_must_be_one_of_the_three(make_org):
    """Unknown modes are refused with the list of valid ones."""
    with pytest.raises(ValidationFailed) as info:
        tenancy.set_org_sso(make_org("A"), "saml")
    assert info.value.code == "invalid_sso_mode"


def test_the_top_org_cannot_inherit(top_org):
    """The top org has nothing to inherit from."""
    with pytest.raises(ValidationFailed) as info:
        tenancy.set_org_sso(top_org, "inherit")
    assert info.value.code == "org_top_cannot_inherit"


def test_provider_mode_needs_a_provider_of_the_tenant(make_org, known_provider):
    """No id, an unknown id, and an id with another mode are each refused with their own code."""
    org = make_org("A")
    with pytest.raises(ValidationFailed) as info:
        tenancy.set_org_sso(org, "provider")
    assert info.value.code == "provider_required"
    with pytest.raises(NotFound) as info:
        tenancy.set_org_sso(org, "provider", uuid.uuid4())
    assert info.value.code == "provider_not_found"
    with pytest.raises(ValidationFailed) as info:
        tenancy.set_org_sso(org, "none", known_provider)
    assert info.value.code == "provider_not_allowed"


def test_a_provider_is_applied_and_audited(make_org, known_provider):
    """Setting a provider stores it and records the change."""
    org = tenancy.set_org_sso(make_org("A"), "provider", str(known_provider))
    org.refresh_from_db()
    assert org.sso_mode == "provider" and org.sso_provider_id == known_provider
    assert AuditEvent.objects.filter(action="org.sso_changed", target_id=str(org.id)).exists()


def test_effective_sso_of_a_deep_org_takes_one_query(
    top_org, make_org, known_provider, django_assert_max_num_queries
):
    """A recursive query fetches the whole ancestor chain at once, even 20 levels down."""
    tenancy.set_org_sso(top_org, "provider", known_provider)
    org = None
    for depth in range(20):
        org = make_org(f"Level {depth}", parent=org)
    with django_assert_max_num_queries(1):
        effective = tenancy.effective_sso_of(org.id)
    assert (
        effective.uses_sso
        and effective.provider_id == known_provider
        and effective.source_org_id == top_org.id
    )


def test_org_tree_lists_every_org_in_tree_order_with_its_effective_setting(
    top_org, make_org, known_provider
):
    """The tree view gets depth and effective setting per org."""
    a = make_org("A")
    a1 = make_org("A1", parent=a)
    make_org("B")
    tenancy.set_org_sso(a, "provider", known_provider)
    rows = tenancy.org_tree(top_org.tenant)
    assert [(o.name, depth) for o, depth, _ in rows] == [
        (top_org.name, 0),
        ("A", 1),
        ("A1", 2),
        ("B", 1),
    ]
    effective = {o.id: e for o, _, e in rows}
    assert effective[a1.id].provider_id == known_provider and not effective[top_org.id].uses_sso


def test_the_tree_pages_match_the_tree(top_org, make_org, known_provider):
    """The API's pages walk the levels; they must give the tree's order, with the same settings."""
    a = make_org("A")
    make_org("A2", parent=a)
    make_org("A1", parent=a)
    b = make_org("B")
    make_org("B1", parent=b)
    tenancy.set_org_sso(a, "provider", known_provider)
    tree = tenancy.org_tree(top_org.tenant)
    order = tenancy.tree_page(top_org.tenant, 0, 50).entries
    assert [(e.id, e.depth, e.effective) for e in order] == [(o.id, d, eff) for o, d, eff in tree]
    assert [e.parent_id for e in order] == [o.parent_id for o, _, _ in tree]
    assert set(tenancy.orgs_by_id(top_org.tenant, [a.id, b.id])) == {a.id, b.id}


def test_org_counts_follow_the_inheritance_rule(top_org, make_org, known_provider):
    """The dashboard's counts (walked in SQL) agree with the pure inheritance function."""
    a = make_org("A")
    a1 = make_org("A1", parent=a)
    make_org("A1x", parent=a1)
    b = make_org("B")
    make_org("B1", parent=b)
    tenancy.set_org_sso(a, "provider", known_provider)
    tenancy.set_org_sso(a1, "none")
    expected = sum(1 for _, _, eff in tenancy.org_tree(top_org.tenant) if eff.uses_sso)
    assert tenancy.org_counts(top_org.tenant) == (6, expected) == (6, 1)
    tenancy.set_org_sso(top_org, "provider", known_provider)
    assert tenancy.org_counts(top_org.tenant) == (6, 4)


def test_a_refused_rename_leaves_the_org_object_as_it_was(make_org, top_org):
    """A name clash is found at save time; the caller's object keeps its old name, nothing to undo."""
    make_org("Taken")
    org = make_org("Mine")
    with pytest.raises(Conflict):
        tenancy.rename_org(org, "Taken")
    assert org.name == "Mine"
    assert Organization.objects.get(id=org.id).name == "Mine"


def test_a_refused_move_leaves_the_org_object_under_its_old_parent(make_org, top_org):
    """Moving an org under its own child is refused after the parent was looked up: no trace on the object."""
    org = make_org("Parent")
    child = make_org("Child", parent=org)
    with pytest.raises(ValidationFailed):
        tenancy.move_org(org, child.id)
    assert org.parent_id == top_org.id and org.parent == top_org
