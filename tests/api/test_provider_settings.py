"""A provider's attribute mapping, organizations in use and advanced SAML settings through the API."""

from __future__ import annotations

import pytest
from sso import helpers

from ssoconsole.audit.models import AuditEvent
from ssoconsole.sso.models import AuthProvider, DigestMethod, SignatureMethod
from ssoconsole.sso.providers import create_provider
from ssoconsole.tenancy import services as tenancy
from ssoconsole.tenancy.models import Organization

from .catalog import AP, idp_metadata_xml

GIVEN = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"
SURNAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"
UPN = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"


@pytest.fixture
def idp(world):
    return world.client("identity-admin")


@pytest.fixture
def provider(world):
    return create_provider(world.tenant, "Entra ID", metadata_xml=idp_metadata_xml())


def only_event(action: str) -> AuditEvent:
    [event] = AuditEvent.objects.filter(action=action)
    return event


# --- attribute mapping --------------------------------------------------------------------------


def test_default_mapping_is_reported(idp, provider):
    body = idp.get(f"{AP}/{provider.id}/attribute-mapping").json()
    assert body == {"useDefault": True, "username": None, "firstName": None, "lastName": None}


def test_attribute_tags_are_set_and_audited_with_before_and_after(world, idp, provider):
    body = {"useDefault": False, "username": UPN, "firstName": GIVEN, "lastName": SURNAME}
    response = idp.put(f"{AP}/{provider.id}/attribute-mapping", body)
    assert response.status_code == 200 and response.json() == body
    event = only_event("auth_provider.mapping_changed")
    assert event.actor_id == world.users["identity-admin"].id
    assert event.data["before"] == {
        "useDefault": True,
        "username": None,
        "firstName": None,
        "lastName": None,
    }
    assert event.data["after"] == body


def test_username_null_means_the_name_id(idp, provider):
    body = idp.put(
        f"{AP}/{provider.id}/attribute-mapping",
        {"useDefault": False, "username": None, "firstName": GIVEN},
    ).json()
    assert body == {"useDefault": False, "username": None, "firstName": GIVEN, "lastName": None}
    provider.refresh_from_db()
    assert provider.username_attribute == ""


def test_back_to_the_default_mapping_clears_the_tags(idp, provider):
    idp.put(f"{AP}/{provider.id}/attribute-mapping", {"useDefault": False, "username": UPN})
    body = idp.put(
        f"{AP}/{provider.id}/attribute-mapping", {"useDefault": True, "username": None}
    ).json()
    assert body == {"useDefault": True, "username": None, "firstName": None, "lastName": None}


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"useDefault": True, "username": UPN}, "sso.mapping_attribute_with_default", "username"),
        (
            {"useDefault": False, "firstName": "given name"},
            "sso.attribute_name_invalid",
            "firstName",
        ),
        ({"username": UPN}, "field_required", "useDefault"),
        ({"useDefault": "false"}, "invalid_type", "useDefault"),
        ({"useDefault": False, "lastName": "x" * 513}, "too_long", "lastName"),
    ],
    ids=[
        "tags with the default",
        "spaces in a claim",
        "useDefault missing",
        "useDefault as text",
        "too long",
    ],
)
def test_bad_mappings_are_refused_and_change_nothing(idp, provider, body, code, field):
    response = idp.put(f"{AP}/{provider.id}/attribute-mapping", body)
    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (code, field)
    provider.refresh_from_db()
    assert provider.use_default_mapping is True
    assert not AuditEvent.objects.filter(action="auth_provider.mapping_changed").exists()


# --- organizations in use -----------------------------------------------------------------------


@pytest.fixture
def tree(world):
    """acme > Engineering > Backend, and acme > Test."""
    backend = tenancy.create_org(world.tenant, "Backend", parent_id=world.child.id)
    test = tenancy.create_org(world.tenant, "Test")
    return {"top": world.top, "eng": world.child, "backend": backend, "test": test}


def test_no_org_uses_a_new_provider(idp, provider):
    assert idp.get(f"{AP}/{provider.id}/orgs").json() == {"orgIds": [], "count": 0, "orgs": []}


def test_applying_to_an_org_counts_its_inheriting_children(idp, provider, tree):
    response = idp.put(f"{AP}/{provider.id}/orgs", {"orgIds": [str(tree["eng"].id)]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["orgIds"] == [str(tree["eng"].id)] and body["count"] == 2
    assert {(o["name"], o["direct"]) for o in body["orgs"]} == {
        ("Engineering", True),
        ("Backend", False),
    }
    assert idp.get(f"{AP}/{provider.id}/orgs").json() == body
    event = only_event("auth_provider.orgs_changed")
    assert event.data["before"] == {"orgIds": []}
    assert (
        event.data["after"]["orgIds"] == [str(tree["eng"].id)]
        and event.data["after"]["orgsInUse"] == 2
    )


def test_orgs_left_out_go_back_to_inheriting_and_the_top_org_to_none(idp, provider, tree):
    idp.put(f"{AP}/{provider.id}/orgs", {"orgIds": [str(tree["top"].id), str(tree["eng"].id)]})
    body = idp.put(f"{AP}/{provider.id}/orgs", {"orgIds": []}).json()
    assert body == {"orgIds": [], "count": 0, "orgs": []}
    assert Organization.objects.get(id=tree["eng"].id).sso_mode == "inherit"
    assert Organization.objects.get(id=tree["top"].id).sso_mode == "none"


def test_the_top_org_with_inheritance_applies_to_every_org(idp, provider, tree):
    idp.put(f"{AP}/{provider.id}/orgs", {"orgIds": [str(tree["test"].id)]})
    body = idp.put(
        f"{AP}/{provider.id}/orgs",
        {"orgIds": [str(tree["top"].id)], "inheritOrgIds": [str(tree["test"].id)]},
    ).json()
    assert body["orgIds"] == [str(tree["top"].id)] and body["count"] == 4
    assert Organization.objects.get(id=tree["test"].id).sso_mode == "inherit"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            lambda t: {"orgIds": [str(t["eng"].id)], "inheritOrgIds": [str(t["eng"].id)]},
            400,
            "sso.orgs_conflicting_choice",
        ),
        (
            lambda t: {"orgIds": [], "inheritOrgIds": [str(t["top"].id)]},
            400,
            "org_top_cannot_inherit",
        ),
        (lambda t: {"orgIds": ["00000000-0000-0000-0000-000000000000"]}, 404, "org_not_found"),
        (lambda t: {"orgIds": ["Engineering"]}, 400, "invalid_type"),
        (lambda t: {"orgIds": str(t["eng"].id)}, 400, "invalid_type"),
        (lambda t: {}, 400, "field_required"),
    ],
    ids=[
        "use and inherit",
        "top inherits",
        "unknown org",
        "name instead of id",
        "not a list",
        "orgIds missing",
    ],
)
def test_bad_org_choices_are_refused_and_change_nothing(idp, provider, tree, body, status, code):
    before = sorted(Organization.objects.values_list("id", "sso_mode", "sso_provider_id"))
    response = idp.put(f"{AP}/{provider.id}/orgs", body(tree))
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert sorted(Organization.objects.values_list("id", "sso_mode", "sso_provider_id")) == before


def test_an_org_of_another_tenant_cannot_be_made_to_use_the_provider(world, other, idp, provider):
    before = sorted(
        Organization.objects.filter(tenant=other.tenant).values_list(
            "id", "sso_mode", "sso_provider_id"
        )
    )
    response = idp.put(f"{AP}/{provider.id}/orgs", {"orgIds": [str(other.child.id)]})
    assert response.status_code == 404 and response.json()["error"]["code"] == "org_not_found"
    after = sorted(
        Organization.objects.filter(tenant=other.tenant).values_list(
            "id", "sso_mode", "sso_provider_id"
        )
    )
    assert after == before


# --- advanced SAML settings ---------------------------------------------------------------------

DEFAULTS = {
    "authnContextClassRef": None,
    "authnContextComparison": "exact",
    "digestMethod": DigestMethod.SHA256.value,
    "signatureMethod": SignatureMethod.RSA_SHA256.value,
    "signRequests": False,
    "nameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    "forceAuthn": False,
    "clockSkewSeconds": 180,
    "insecureAllowSha1": False,
}


def test_defaults_are_reported(idp, provider):
    assert idp.get(f"{AP}/{provider.id}/advanced-settings").json() == DEFAULTS


def test_settings_left_out_keep_their_values_and_changes_are_audited(idp, provider):
    change = {
        "authnContextClassRef": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
        "authnContextComparison": "minimum",
        "signRequests": True,
        "clockSkewSeconds": 60,
    }
    response = idp.put(f"{AP}/{provider.id}/advanced-settings", change)
    assert response.status_code == 200, response.content
    assert response.json() == {**DEFAULTS, **change}
    event = only_event("auth_provider.settings_changed")
    assert event.data["after"] == change
    assert event.data["before"] == {k: DEFAULTS[k] for k in change}


def test_null_class_ref_and_name_id_format_request_none(idp, provider):
    idp.put(
        f"{AP}/{provider.id}/advanced-settings",
        {"authnContextClassRef": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
    )
    body = idp.put(
        f"{AP}/{provider.id}/advanced-settings",
        {"authnContextClassRef": None, "nameIdFormat": None},
    ).json()
    assert body["authnContextClassRef"] is None and body["nameIdFormat"] is None


def test_sha1_needs_the_insecure_switch(idp, provider):
    sha1 = {
        "signatureMethod": SignatureMethod.RSA_SHA1.value,
        "digestMethod": DigestMethod.SHA1.value,
    }
    refused = idp.put(f"{AP}/{provider.id}/advanced-settings", sha1)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "sso.sha1_not_allowed"
    allowed = idp.put(f"{AP}/{provider.id}/advanced-settings", {**sha1, "insecureAllowSha1": True})
    assert allowed.status_code == 200 and allowed.json()["insecureAllowSha1"] is True


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"authnContextComparison": "EXACT"}, "invalid_choice", "authnContextComparison"),
        ({"authnContextComparison": "at least"}, "invalid_choice", "authnContextComparison"),
        ({"digestMethod": "sha256"}, "invalid_choice", "digestMethod"),
        (
            {"signatureMethod": "http://www.w3.org/2001/04/xmldsig-more#rsa-md5"},
            "invalid_choice",
            "signatureMethod",
        ),
        ({"nameIdFormat": "email"}, "invalid_choice", "nameIdFormat"),
        ({"clockSkewSeconds": 601}, "out_of_range", "clockSkewSeconds"),
        ({"clockSkewSeconds": -1}, "out_of_range", "clockSkewSeconds"),
        ({"clockSkewSeconds": "60"}, "invalid_type", "clockSkewSeconds"),
        ({"forceAuthn": 1}, "invalid_type", "forceAuthn"),
        ({"signRequests": None}, "invalid_type", "signRequests"),
        ({"authnContextClassRef": "not a uri"}, "sso.setting_invalid", "authnContextClassRef"),
        ({"clock_skew_seconds": 60}, "unknown_field", "clock_skew_seconds"),
    ],
    ids=lambda v: str(v) if not isinstance(v, dict) else next(iter(v)),
)
def test_settings_are_validated_strictly(idp, provider, body, code, field):
    response = idp.put(f"{AP}/{provider.id}/advanced-settings", body)
    assert response.status_code == 400, response.content
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (code, field)
    assert idp.get(f"{AP}/{provider.id}/advanced-settings").json() == DEFAULTS
    assert not AuditEvent.objects.filter(action="auth_provider.settings_changed").exists()


def test_the_accepted_values_are_listed_in_the_openapi_document(idp):
    schemas = idp.get("/api/v1/openapi.json").json()["components"]["schemas"]
    properties = schemas["AdvancedSettingsUpdate"]["properties"]
    assert properties["authnContextComparison"]["enum"] == ["exact", "minimum", "maximum", "better"]
    assert DigestMethod.SHA256.value in properties["digestMethod"]["enum"]
    for name in (
        "ProviderCreate",
        "ProviderUpdate",
        "AttributeMappingUpdate",
        "OrgsInUseUpdate",
        "AdvancedSettingsUpdate",
    ):
        assert schemas[name]["additionalProperties"] is False, name


def test_settings_of_a_provider_survive_only_in_its_own_row(world, idp, provider):
    """Changing one provider's settings leaves the tenant's other providers alone."""
    second = create_provider(
        world.tenant,
        "Okta",
        metadata_xml=helpers.idp_metadata("http://www.okta.com/x", [helpers.make_cert("okta")[1]]),
    )
    idp.put(f"{AP}/{provider.id}/advanced-settings", {"forceAuthn": True})
    assert AuthProvider.objects.get(id=second.id).force_authn is False
