"""Organizations in use: the tutorial's order (a test org first, then the top org for all), with inheritance."""

from __future__ import annotations

import pytest

from ssoconsole.audit.models import AuditEvent
from ssoconsole.core.errors import DomainError, ValidationFailed
from ssoconsole.sso.org_usage import orgs_in_use, orgs_in_use_count, set_orgs_in_use
from ssoconsole.sso.providers import create_provider
from ssoconsole.tenancy.models import SSOMode
from ssoconsole.tenancy.services import effective_sso_of, set_org_sso


def mode(org):
    org.refresh_from_db()
    return org.sso_mode, org.sso_provider_id


def test_a_new_provider_is_used_by_no_org(file_provider, orgs):
    assert orgs_in_use_count(file_provider) == 0
    assert all(not effective_sso_of(o).uses_sso for o in orgs.values())


def test_tutorial_order_test_org_then_top_org_for_all(file_provider, orgs, admin):
    """Step 6: apply to the test org only; later select the top org and every inheriting org follows."""
    assert set_orgs_in_use(file_provider, [orgs["test"].id], actor=admin) == 1
    assert mode(orgs["test"]) == (SSOMode.PROVIDER, file_provider.id)
    assert (
        not effective_sso_of(orgs["sales"]).uses_sso and not effective_sso_of(orgs["top"]).uses_sso
    )

    # The test org goes back to inheriting, and the top org takes the provider for all.
    count = set_orgs_in_use(
        file_provider, [orgs["top"].id], inherit_org_ids=[orgs["test"].id], actor=admin
    )
    assert count == 4
    assert mode(orgs["top"]) == (SSOMode.PROVIDER, file_provider.id)
    assert mode(orgs["test"]) == (SSOMode.INHERIT, None)
    for org in orgs.values():
        assert effective_sso_of(org).provider_id == file_provider.id
    assert {(o.name, direct) for o, direct in orgs_in_use(file_provider)} == {
        ("Acme", True),
        ("Sales", False),
        ("Sales EU", False),
        ("Test", False),
    }


def test_keeping_the_test_org_selected_with_the_top_org(file_provider, orgs):
    set_orgs_in_use(file_provider, [orgs["test"].id])
    assert set_orgs_in_use(file_provider, [orgs["test"].id, orgs["top"].id]) == 4
    assert mode(orgs["test"]) == (SSOMode.PROVIDER, file_provider.id)


def test_deselected_orgs_go_back_to_inherit_and_top_to_none(file_provider, orgs):
    set_orgs_in_use(file_provider, [orgs["top"].id, orgs["sales"].id])
    assert set_orgs_in_use(file_provider, []) == 0
    assert mode(orgs["top"]) == (SSOMode.NONE, None)
    assert mode(orgs["sales"]) == (SSOMode.INHERIT, None)


def test_an_org_that_opts_out_stays_out(file_provider, orgs):
    """An org with local sign-in of its own does not inherit the top org's provider."""
    set_org_sso(orgs["sales"], SSOMode.NONE)
    assert set_orgs_in_use(file_provider, [orgs["top"].id]) == 2  # Acme and Test
    assert not effective_sso_of(orgs["eu"]).uses_sso


def test_other_providers_orgs_are_left_alone(tenant, file_provider, orgs, metadata_a):
    okta = create_provider(tenant, "Okta", metadata_xml=metadata_a)
    set_orgs_in_use(okta, [orgs["sales"].id])
    set_orgs_in_use(file_provider, [orgs["test"].id])
    set_orgs_in_use(file_provider, [])
    assert mode(orgs["sales"]) == (SSOMode.PROVIDER, okta.id)
    assert orgs_in_use_count(okta) == 2


def test_changes_are_audited_per_org_and_for_the_provider(file_provider, orgs, admin):
    set_orgs_in_use(file_provider, [orgs["test"].id], actor=admin)
    org_event = AuditEvent.objects.get(action="org.sso_changed", target_id=str(orgs["test"].id))
    assert org_event.data["after"] == {"ssoMode": "provider", "providerId": str(file_provider.id)}
    event = AuditEvent.objects.get(action="auth_provider.orgs_changed")
    assert event.data["before"]["orgIds"] == [] and event.data["after"]["orgIds"] == [
        str(orgs["test"].id)
    ]
    assert event.actor_id == admin.id


def test_unchanged_selection_records_nothing(file_provider, orgs):
    set_orgs_in_use(file_provider, [orgs["test"].id])
    AuditEvent.objects.all().delete()
    set_orgs_in_use(file_provider, [orgs["test"].id])
    assert not AuditEvent.objects.exists()


def test_other_tenants_orgs_are_refused(file_provider, other_tenant):
    from ssoconsole.tenancy.services import top_org

    with pytest.raises(DomainError) as info:
        set_orgs_in_use(file_provider, [top_org(other_tenant).id])
    assert info.value.code == "org_not_found"


def test_conflicting_and_impossible_choices_are_refused(file_provider, orgs):
    with pytest.raises(ValidationFailed) as info:
        set_orgs_in_use(file_provider, [orgs["test"].id], inherit_org_ids=[orgs["test"].id])
    assert info.value.code == "sso.orgs_conflicting_choice" and "Test" in info.value.message
    with pytest.raises(ValidationFailed) as info:
        set_orgs_in_use(file_provider, [], inherit_org_ids=[orgs["top"].id])
    assert info.value.code == "org_top_cannot_inherit"
    with pytest.raises(ValidationFailed):
        set_orgs_in_use(file_provider, ["not-a-uuid"])


def test_refusal_rolls_back_every_org(file_provider, orgs, other_tenant):
    """One unknown org id and nothing changes, not even the valid selections."""
    from ssoconsole.tenancy.services import top_org

    with pytest.raises(DomainError):
        set_orgs_in_use(file_provider, [orgs["test"].id, top_org(other_tenant).id])
    assert mode(orgs["test"]) == (SSOMode.INHERIT, None)
