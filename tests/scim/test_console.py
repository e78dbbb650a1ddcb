"""Identity Management › Provisioning in the console, and the deprovisioned local user flag."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ssoconsole.accounts import services as accounts
from ssoconsole.audit.models import AuditEvent
from ssoconsole.scim import placement
from ssoconsole.scim.models import ScimToken

from .conftest import GROUP, ScimClient, entra_user

pytestmark = pytest.mark.django_db
PAGE = "console:identity_provisioning"


def test_page_shows_the_tenant_url_to_paste_into_entra(identity_admin_client, tenant, settings):
    body = identity_admin_client.get(reverse(PAGE)).content.decode()
    assert f"{settings.SSOCONSOLE_BASE_URL}/scim/v2/{tenant.id}" in body
    assert "Tenant URL" in body and "Generate Secret Token" in body


def test_generated_token_is_shown_once_stored_hashed_and_works(identity_admin_client, tenant):
    response = identity_admin_client.post(
        reverse("console:identity_provisioning_token_create"), {"name": "Entra"}
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    raw = re.search(r"scim_[A-Za-z0-9_-]{40,}", response.content.decode()).group(0)
    stored = ScimToken.objects.get(tenant=tenant)
    assert stored.name == "Entra" and raw not in stored.token_hash
    assert ScimClient(tenant, raw).get("/Users").status_code == 200
    again = identity_admin_client.get(reverse(PAGE)).content.decode()
    assert raw not in again and stored.prefix in again
    assert AuditEvent.objects.filter(
        action="scim_token.created", actor_label__contains="identity-admin"
    ).exists()


def test_revoking_a_token_refuses_it_at_once(identity_admin_client, tenant, scim, scim_token):
    token = ScimToken.objects.get(tenant=tenant)
    response = identity_admin_client.post(
        reverse("console:identity_provisioning_token_revoke", args=[token.id])
    )
    assert response.status_code == 302
    assert scim.get("/Users").status_code == 401


def test_rules_form_saves_and_refuses_out_of_range_delays(identity_admin_client, tenant, make_org):
    sales = make_org("Sales")
    url = reverse("console:identity_provisioning_rules")
    ok = identity_admin_client.post(
        url,
        {
            "placement_attribute": "department",
            "default_org": str(sales.id),
            "deactivation_delay_minutes": "15",
        },
    )
    assert ok.status_code == 302
    rules = placement.settings_of(tenant)
    assert (rules.placement_attribute, rules.default_org_id, rules.deactivation_delay_minutes) == (
        "department",
        sales.id,
        15,
    )
    bad = identity_admin_client.post(
        url,
        {
            "placement_attribute": "department",
            "default_org": "",
            "deactivation_delay_minutes": "-3",
        },
    )
    assert bad.status_code == 200 and "greater than or equal to 0" in bad.content.decode()


def test_group_mapping_and_recent_requests_are_listed(
    identity_admin_client, tenant, scim, make_org
):
    eng = make_org("Engineering")
    group_id = scim.post("/Groups", {"schemas": [GROUP], "displayName": "Eng"}).json_body["id"]
    scim.get("/Users", filter="nonsense")
    response = identity_admin_client.post(
        reverse("console:identity_provisioning_group_org", args=[group_id]),
        {f"{group_id}-org": str(eng.id)},
    )
    assert response.status_code == 302
    assert placement.group_mappings(tenant).get().org_id == eng.id
    body = identity_admin_client.get(reverse(PAGE)).content.decode()
    assert "Eng" in body and "POST /scim/v2/" in body and "invalidFilter" in body


def test_a_deprovisioned_local_user_is_flagged_on_identity_management(
    identity_admin_client, scim, identity_admin
):
    user_id = scim.post("/Users", entra_user("breakglass@contoso.example")).json_body["id"]
    user = accounts.find_user_by_username("breakglass@contoso.example")
    accounts.set_local_sign_in(user, True)
    scim.patch(f"/Users/{user_id}", [{"op": "replace", "path": "active", "value": False}])
    body = identity_admin_client.get(reverse("console:identity")).content.decode()
    row = body[body.index("breakglass@contoso.example") :][:600]
    assert "Deprovisioned" in row
