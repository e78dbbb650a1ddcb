"""The one provider description used by the REST API and the details page."""

from __future__ import annotations

import json

from ssoconsole.sso.details import provider_details
from ssoconsole.sso.org_usage import set_orgs_in_use

from . import helpers


def test_details_describe_metadata_certificates_and_orgs(file_provider, orgs, idp_certs):
    set_orgs_in_use(file_provider, [orgs["sales"].id])
    details = provider_details(file_provider, now=helpers.now())
    json.dumps(details)  # JSON-ready as it is
    assert details["id"] == str(file_provider.id) and details["entityId"] == file_provider.entity_id
    assert details["ssoUrl"] == "https://login.microsoftonline.com/test-tenant/saml2"
    assert details["ssoBinding"].endswith("HTTP-Redirect")
    assert [c["subject"] for c in details["certificates"]] == ["CN=IdP signing A"]
    assert details["certificates"][0]["status"] == "ok"
    assert details["metadataSource"] == "file" and details["lastRefresh"]["result"] == "ok"
    assert details["orgsInUse"] == 2
    assert {(o["name"], o["direct"]) for o in details["orgs"]} == {
        ("Sales", True),
        ("Sales EU", False),
    }
    assert details["attributeMapping"] == {
        "useDefault": True,
        "username": None,
        "firstName": None,
        "lastName": None,
    }
    assert details["advancedSettings"]["authnContextClassRef"] is None
    assert details["serviceProvider"]["metadataUrl"].endswith(
        f"/sso/{file_provider.tenant_id}/metadata"
    )


def test_details_without_orgs_for_lists(file_provider, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):  # the tenant, for the SP URLs
        details = provider_details(file_provider, with_orgs=False)
    assert "orgs" not in details
