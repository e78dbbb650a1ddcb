"""Organization placement of provisioned users by the tenant's rules."""

from __future__ import annotations

import pytest

from ssoconsole.accounts.models import User
from ssoconsole.core.errors import NotFound, ValidationFailed
from ssoconsole.scim import placement

from .conftest import ENTERPRISE, GROUP, entra_user

pytestmark = pytest.mark.django_db
CONSOLE_EXT = "urn:ietf:params:scim:schemas:extension:ssoconsole:2.0:User"


def _rules(tenant, attribute="none", default_org=None, delay=0):
    return placement.update_rules(
        tenant,
        placement_attribute=attribute,
        default_org_id=default_org.id if default_org else None,
        deactivation_delay_minutes=delay,
    )


def _org_of(username):
    return User.objects.get(username=username).org


def test_without_rules_users_go_to_the_top_organization(scim, top_org):
    scim.post("/Users", entra_user("ann@contoso.example"))
    assert _org_of("ann@contoso.example") == top_org


def test_default_org_takes_users_no_other_rule_places(scim, tenant, make_org):
    landing = make_org("Landing")
    _rules(tenant, default_org=landing)
    scim.post("/Users", entra_user("ann@contoso.example"))
    assert _org_of("ann@contoso.example") == landing


def test_enterprise_department_names_the_org_in_any_case(scim, tenant, make_org):
    sales = make_org("Sales")
    landing = make_org("Landing")
    _rules(tenant, attribute="department", default_org=landing)
    scim.post("/Users", entra_user("ann@contoso.example", **{ENTERPRISE: {"department": "SALES"}}))
    assert _org_of("ann@contoso.example") == sales
    user_id = scim.post(
        "/Users", entra_user("bob@contoso.example", **{ENTERPRISE: {"department": "Nowhere"}})
    ).json_body["id"]
    assert _org_of("bob@contoso.example") == landing
    scim.patch(
        f"/Users/{user_id}",
        [{"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Sales"}],
    )
    assert _org_of("bob@contoso.example") == sales


def test_org_name_extension_attribute_places_the_user(scim, tenant, make_org):
    finance = make_org("Finance")
    _rules(tenant, attribute="orgName")
    scim.post("/Users", entra_user("ann@contoso.example", **{CONSOLE_EXT: {"orgName": "Finance"}}))
    assert _org_of("ann@contoso.example") == finance


def test_group_mapping_places_members_and_leaving_the_group_moves_them_back(
    scim, tenant, make_org, top_org
):
    engineering = make_org("Engineering")
    user_id = scim.post("/Users", entra_user("ann@contoso.example")).json_body["id"]
    group_id = scim.post("/Groups", {"schemas": [GROUP], "displayName": "Eng"}).json_body["id"]
    placement.map_group(tenant, group_id, engineering.id)
    scim.patch(
        f"/Groups/{group_id}", [{"op": "add", "path": "members", "value": [{"value": user_id}]}]
    )
    assert _org_of("ann@contoso.example") == engineering
    scim.patch(f"/Groups/{group_id}", [{"op": "remove", "path": f'members[value eq "{user_id}"]'}])
    assert _org_of("ann@contoso.example") == top_org


def test_rules_refuse_unknown_values_and_other_tenants_orgs(tenant, other_tenant):
    with pytest.raises(ValidationFailed):
        _rules(tenant, attribute="title")
    with pytest.raises(ValidationFailed):
        _rules(tenant, delay=-1)
    from ssoconsole.tenancy.services import top_org

    with pytest.raises(NotFound):
        _rules(tenant, default_org=top_org(other_tenant))


def test_mapping_a_group_moves_its_members_at_once_and_unmapping_moves_them_back(
    scim, tenant, make_org, top_org
):
    sales = make_org("Sales")
    user_id = scim.post("/Users", entra_user("ann@contoso.example")).json_body["id"]
    group = scim.post(
        "/Groups", {"schemas": [GROUP], "displayName": "Sales", "members": [{"value": user_id}]}
    ).json_body
    assert _org_of("ann@contoso.example") == top_org
    placement.map_group(tenant, group["id"], sales.id)
    assert _org_of("ann@contoso.example") == sales
    placement.map_group(tenant, group["id"], None)
    assert _org_of("ann@contoso.example") == top_org
