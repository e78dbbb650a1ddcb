"""Authentication providers through the API: create from a file or a URL, read, list, change, delete, refresh.

Metadata is generated at test time (``tests/sso/helpers.py``); metadata URLs
are served by the local HTTPS server with a test CA that the sso tests use.
"""

from __future__ import annotations

import json

import pytest
from sso import helpers
from sso.conftest import https_idp, test_ca  # noqa: F401 - fixtures that the sso tests define

from ssoconsole.audit.models import AuditEvent, Outcome
from ssoconsole.sso.models import AuthProvider
from ssoconsole.sso.providers import create_provider
from ssoconsole.tenancy import services as tenancy

from .catalog import AP, P

ENTRA_ID = "https://sts.windows.net/test-tenant/"


@pytest.fixture(scope="module")
def certs():
    return {name: helpers.make_cert(f"IdP signing {name}")[1] for name in ("a", "b")}


@pytest.fixture
def idp(world):
    """The identity-admin's bearer client."""
    return world.client("identity-admin")


@pytest.fixture
def metadata(certs) -> str:
    return helpers.idp_metadata(certs=[certs["a"]]).decode()


@pytest.fixture
def created(world, idp, metadata) -> dict:
    response = idp.post(AP, {"displayName": "Entra ID", "metadataXml": metadata})
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def trusting_test_ca(settings, test_ca):  # noqa: F811 - the imported fixture
    """Let the server-side fetcher reach 127.0.0.1 and trust the test CA, as in local development."""
    settings.SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS = True
    settings.SSOCONSOLE_METADATA_CA_BUNDLE = str(test_ca.pem_path)


def events(action: str):
    return AuditEvent.objects.filter(action=action).order_by("created_at")


# --- create -----------------------------------------------------------------------------------


def test_create_from_metadata_xml_returns_201_with_the_parsed_provider(world, created, certs):
    assert created["displayName"] == "Entra ID"
    assert created["entityId"] == ENTRA_ID
    assert created["ssoUrl"] == "https://login.microsoftonline.com/test-tenant/saml2"
    assert created["ssoBinding"] == helpers.REDIRECT
    [cert] = created["certificates"]
    assert cert["subject"].endswith("IdP signing a") and cert["status"] == "ok"
    assert len(cert["sha256Fingerprint"].replace(":", "")) == 64 and cert["notAfter"]
    assert created["metadataSource"] == "file" and created["metadataUrl"] is None
    assert created["lastRefresh"]["result"] == "ok"
    assert created["orgsInUse"] == 0 and created["orgs"] == []
    assert created["attributeMapping"] == {
        "useDefault": True,
        "username": None,
        "firstName": None,
        "lastName": None,
    }
    assert created["advancedSettings"]["authnContextClassRef"] is None
    assert created["serviceProvider"]["entityId"].endswith(f"/{world.tenant.id}")


def test_create_is_audited_with_the_values_after(world, created):
    [event] = events("auth_provider.created")
    assert event.target_id == created["id"] and event.actor_id == world.users["identity-admin"].id
    assert event.data["after"]["displayName"] == "Entra ID"
    assert event.data["after"]["entityId"] == ENTRA_ID


def test_display_names_are_unique_in_any_case(idp, created, metadata):
    response = idp.post(AP, {"displayName": "ENTRA id", "metadataXml": metadata})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "sso.display_name_taken"
    assert AuthProvider.objects.count() == 1


def test_entity_id_picks_one_identity_provider_out_of_an_entities_descriptor(idp, certs):
    feed = helpers.entities_metadata(5, certs["a"]).decode()
    response = idp.post(
        AP,
        {"displayName": "Federation", "metadataXml": feed, "entityId": "https://idp3.example.org/"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["entityId"] == "https://idp3.example.org/"


def _expired_only(certs):
    old = helpers.make_cert("IdP signing old", days_valid=-10, days_before=400)[1]
    return {"metadataXml": helpers.idp_metadata(certs=[old]).decode()}


# (name, body builder, status, code, field); every case must store nothing and audit nothing.
BAD_INPUT = [
    (
        "html page",
        lambda c: {"metadataXml": helpers.HTML_PAGE.decode()},
        "saml.metadata_not_xml",
        "metadataXml",
    ),
    (
        "xml bomb",
        lambda c: {"metadataXml": helpers.XML_BOMB.decode()},
        "saml.xml_forbidden",
        "metadataXml",
    ),
    (
        "many idps, no entityId",
        lambda c: {"metadataXml": helpers.entities_metadata(5, c["a"]).decode()},
        "saml.metadata_entity_ambiguous",
        "metadataXml",
    ),
    (
        "entityId not in the document",
        lambda c: {
            "metadataXml": helpers.entities_metadata(2, c["a"]).decode(),
            "entityId": "https://elsewhere.example/",
        },
        "saml.metadata_entity_not_found",
        "metadataXml",
    ),
    (
        "no signing certificate",
        lambda c: {"metadataXml": helpers.idp_metadata(certs=[]).decode()},
        "saml.metadata_no_signing_certificate",
        "metadataXml",
    ),
    (
        "every certificate expired",
        _expired_only,
        "sso.metadata_certificates_expired",
        "metadataXml",
    ),
    ("empty document", lambda c: {"metadataXml": "  "}, "sso.metadata_empty", "metadataXml"),
    (
        "custom domain url",
        lambda c: {
            "metadataUrl": "https://adfs.contoso.com/FederationMetadata/2007-06/FederationMetadata.xml"
        },
        "sso.metadata_host_not_allowed",
        "metadataUrl",
    ),
    (
        "http url",
        lambda c: {
            "metadataUrl": "http://login.microsoftonline.com/t/federationmetadata/2007-06/federationmetadata.xml"
        },
        "sso.metadata_url_not_https",
        "metadataUrl",
    ),
    (
        "both sources",
        lambda c: {
            "metadataXml": helpers.idp_metadata(certs=[c["a"]]).decode(),
            "metadataUrl": "https://login.microsoftonline.com/t/federationmetadata.xml",
        },
        "sso.metadata_source_conflict",
        "metadataUrl",
    ),
    ("neither source", lambda c: {}, "sso.metadata_source_required", "metadataXml"),
]


@pytest.mark.parametrize(
    ("builder", "code", "field"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_refused_metadata_is_a_400_with_its_code_and_stores_nothing(
    settings, world, idp, certs, builder, code, field
):
    settings.SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS = (
        False  # the production rules, whatever the environment says
    )
    response = idp.post(AP, {"displayName": "Refused", **builder(certs)})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert len(error["message"]) > 30 and "Traceback" not in error["message"]
    assert AuthProvider.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="auth_provider.").exists()


def test_a_custom_domain_is_refused_with_advice_to_upload_the_file(settings, idp):
    settings.SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS = False
    response = idp.post(
        AP,
        {"displayName": "AD FS", "metadataUrl": "https://adfs.contoso.com/FederationMetadata.xml"},
    )
    message = response.json()["error"]["message"]
    assert "custom domains are not supported" in message and "upload it instead" in message


def test_the_xml_bomb_is_refused_with_a_sentence_for_the_admin(idp):
    error = idp.post(AP, {"displayName": "Bomb", "metadataXml": helpers.XML_BOMB.decode()}).json()[
        "error"
    ]
    assert "entities" in error["message"] and error["details"]["code"] == "saml.xml_forbidden"


def test_an_ambiguous_federation_feed_lists_the_entity_ids_to_choose_from(idp, certs):
    feed = helpers.entities_metadata(3, certs["a"]).decode()
    error = idp.post(AP, {"displayName": "Feed", "metadataXml": feed}).json()["error"]
    assert "https://idp2.example.org/" in error["message"]


def test_unknown_fields_and_snake_case_are_refused(idp, metadata):
    response = idp.post(AP, {"displayName": "X", "metadata_xml": metadata})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_field"


def test_create_from_a_metadata_url_on_the_local_https_server(
    world, idp, https_idp, trusting_test_ca, metadata
):  # noqa: F811
    https_idp.routes["/federationmetadata.xml"] = helpers.Route(body=metadata.encode())
    url = https_idp.url("/federationmetadata.xml")
    response = idp.post(AP, {"displayName": "Entra ID", "metadataUrl": url})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["metadataSource"], body["metadataUrl"], body["entityId"]) == ("url", url, ENTRA_ID)
    assert body["nextRefreshAt"] is not None and https_idp.hits == ["/federationmetadata.xml"]


def test_a_metadata_url_whose_tls_certificate_is_not_trusted_is_refused(
    settings, idp, https_idp, metadata
):  # noqa: F811
    settings.SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS = (
        True  # reachable, but certifi does not know the test CA
    )
    settings.SSOCONSOLE_METADATA_CA_BUNDLE = None
    https_idp.routes["/md.xml"] = helpers.Route(body=metadata.encode())
    response = idp.post(AP, {"displayName": "Entra ID", "metadataUrl": https_idp.url("/md.xml")})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "sso.metadata_tls_failed"
    assert AuthProvider.objects.count() == 0


# --- read and list ------------------------------------------------------------------------------


def test_get_returns_what_create_returned(idp, created):
    body = idp.get(f"{AP}/{created['id']}").json()
    assert {k: v for k, v in body.items() if k != "updatedAt"} == {
        k: v for k, v in created.items() if k != "updatedAt"
    }


def test_list_is_ordered_by_display_name_and_paginated(world, idp, metadata):
    for name in ("Okta", "Entra ID", "Google"):
        create_provider(world.tenant, name, metadata_xml=metadata)
    body = idp.get(AP).json()
    assert [p["displayName"] for p in body["items"]] == ["Entra ID", "Google", "Okta"]
    assert (body["page"], body["pageSize"], body["total"]) == (1, 50, 3)
    page2 = idp.get(f"{AP}?page=2&pageSize=2").json()
    assert [p["displayName"] for p in page2["items"]] == ["Okta"]


def test_list_counts_the_orgs_in_use_including_inheriting_ones(world, idp, created):
    tenancy.create_org(world.tenant, "Backend", parent_id=world.child.id)
    tenancy.set_org_sso(world.child, "provider", created["id"])
    [item] = idp.get(AP).json()["items"]
    assert item["orgsInUse"] == 2 and item["orgs"] is None


def test_a_provider_of_another_tenant_is_not_listed(world, other, idp, metadata):
    create_provider(other.tenant, "Theirs", metadata_xml=metadata)
    assert idp.get(AP).json()["total"] == 0


def test_unknown_id_is_a_404(idp):
    response = idp.get(f"{AP}/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "sso.provider_not_found"


# --- update -------------------------------------------------------------------------------------


def test_rename_is_audited_with_before_and_after(idp, created):
    response = idp.patch(f"{AP}/{created['id']}", {"displayName": "Microsoft Entra ID"})
    assert response.status_code == 200 and response.json()["displayName"] == "Microsoft Entra ID"
    [event] = events("auth_provider.updated")
    assert event.data == {
        "before": {"displayName": "Entra ID"},
        "after": {"displayName": "Microsoft Entra ID"},
    }


def test_uploading_new_metadata_replaces_the_certificates(idp, created, certs):
    new = helpers.idp_metadata(certs=[certs["b"]]).decode()
    body = idp.patch(f"{AP}/{created['id']}", {"metadataXml": new}).json()
    assert [c["subject"].rsplit("=", 1)[-1] for c in body["certificates"]] == ["IdP signing b"]
    [event] = events("auth_provider.updated")
    assert event.data["before"]["signingCertificates"] != event.data["after"]["signingCertificates"]


def test_refused_new_metadata_changes_nothing_not_even_the_name(idp, created):
    response = idp.patch(
        f"{AP}/{created['id']}",
        {"displayName": "Renamed", "metadataXml": helpers.HTML_PAGE.decode()},
    )
    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (
        "saml.metadata_not_xml",
        "metadataXml",
    )
    after = idp.get(f"{AP}/{created['id']}").json()
    assert after["displayName"] == "Entra ID" and after["certificates"] == created["certificates"]
    assert not events("auth_provider.updated").exists()


def test_switching_to_a_metadata_url(idp, created, https_idp, trusting_test_ca, certs):  # noqa: F811
    https_idp.routes["/md.xml"] = helpers.Route(body=helpers.idp_metadata(certs=[certs["b"]]))
    body = idp.patch(f"{AP}/{created['id']}", {"metadataUrl": https_idp.url("/md.xml")}).json()
    assert body["metadataSource"] == "url" and body["metadataUrl"] == https_idp.url("/md.xml")
    assert body["certificates"][0]["subject"].endswith("IdP signing b")


def test_patch_refuses_both_sources_entity_id_alone_and_null_names(idp, created, metadata):
    both = idp.patch(
        f"{AP}/{created['id']}",
        {"metadataXml": metadata, "metadataUrl": "https://login.microsoftonline.com/x"},
    )
    assert both.json()["error"]["code"] == "sso.metadata_source_conflict"
    alone = idp.patch(f"{AP}/{created['id']}", {"entityId": ENTRA_ID})
    assert (alone.status_code, alone.json()["error"]["code"]) == (
        400,
        "sso.entity_id_without_metadata",
    )
    null = idp.patch(f"{AP}/{created['id']}", {"displayName": None})
    assert (null.status_code, null.json()["error"]["code"]) == (400, "invalid_type")


def test_an_empty_patch_changes_nothing(idp, created):
    assert idp.patch(f"{AP}/{created['id']}", {}).status_code == 200
    assert not events("auth_provider.updated").exists()


# --- delete -------------------------------------------------------------------------------------


def test_delete_answers_204_and_is_audited_with_the_values_before(idp, created):
    assert idp.delete(f"{AP}/{created['id']}").status_code == 204
    assert not AuthProvider.objects.exists()
    [event] = events("auth_provider.deleted")
    assert event.data["before"]["displayName"] == "Entra ID"
    assert idp.get(f"{AP}/{created['id']}").status_code == 404


def test_delete_is_refused_while_orgs_use_the_provider_naming_them(world, idp, created):
    tenancy.set_org_sso(world.child, "provider", created["id"])
    response = idp.delete(f"{AP}/{created['id']}")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "sso.provider_in_use" and "Engineering" in error["message"]
    assert error["details"]["orgs"] == [{"id": str(world.child.id), "name": "Engineering"}]
    assert AuthProvider.objects.filter(id=created["id"]).exists()


# --- refresh ------------------------------------------------------------------------------------


@pytest.fixture
def url_provider(idp, https_idp, trusting_test_ca, certs) -> dict:  # noqa: F811
    https_idp.routes["/md.xml"] = helpers.Route(body=helpers.idp_metadata(certs=[certs["a"]]))
    response = idp.post(AP, {"displayName": "Okta", "metadataUrl": https_idp.url("/md.xml")})
    assert response.status_code == 201, response.content
    return response.json()


def test_refresh_picks_up_a_new_signing_certificate(idp, url_provider, https_idp, certs):  # noqa: F811
    https_idp.routes["/md.xml"] = helpers.Route(
        body=helpers.idp_metadata(certs=[certs["a"], certs["b"]])
    )
    response = idp.post(f"{AP}/{url_provider['id']}/refresh")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["outcome"] == {"ok": True, "changed": True, "errorCode": None, "errorMessage": None}
    assert len(body["provider"]["certificates"]) == 2
    [event] = events("auth_provider.metadata_refreshed")
    assert event.outcome == Outcome.SUCCESS and len(event.data["after"]["signingCertificates"]) == 2


def test_a_failed_refresh_keeps_the_last_good_metadata_and_says_why(idp, url_provider, https_idp):  # noqa: F811
    https_idp.routes["/md.xml"] = helpers.Route(500, b"down for maintenance")
    body = idp.post(f"{AP}/{url_provider['id']}/refresh").json()
    assert (
        body["outcome"]["ok"] is False and body["outcome"]["errorCode"] == "sso.metadata_http_error"
    )
    assert body["provider"]["certificates"] == url_provider["certificates"]
    assert body["provider"]["lastRefresh"]["result"] == "failed"
    assert body["provider"]["lastRefresh"]["errorCode"] == "sso.metadata_http_error"
    [event] = events("auth_provider.metadata_refreshed")
    assert event.outcome == Outcome.FAILURE and event.reason_code == "sso.metadata_http_error"


def test_refreshing_an_uploaded_file_is_refused_with_advice(idp, created):
    response = idp.post(f"{AP}/{created['id']}/refresh")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "sso.refresh_not_applicable" and "Upload" in error["message"]


# --- the SP values ------------------------------------------------------------------------------


def test_service_provider_values_are_the_sso_apps_and_the_same_in_every_provider(
    world, idp, created
):
    from ssoconsole.sso.sp_identity import sp_urls

    sp = idp.get(f"{P}/service-provider").json()
    assert sp == sp_urls(world.tenant) == created["serviceProvider"]


def test_a_refresh_running_elsewhere_is_a_409(idp, url_provider):
    from datetime import timedelta

    from django.utils import timezone

    AuthProvider.objects.filter(id=url_provider["id"]).update(
        refresh_lease_until=timezone.now() + timedelta(minutes=1),
        refresh_lease_owner="another process",
    )
    response = idp.post(f"{AP}/{url_provider['id']}/refresh")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "sso.refresh_in_progress"


# --- size limits --------------------------------------------------------------------------------


def test_metadata_longer_than_the_documented_limit_is_refused_before_parsing(idp):
    from ssoconsole.sso.metadata_fetch import MAX_BYTES

    response = idp.post(AP, {"displayName": "Huge", "metadataXml": "<" + "x" * MAX_BYTES})
    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (
        "too_long",
        "metadataXml",
    )
    assert AuthProvider.objects.count() == 0


def test_metadata_within_the_character_limit_but_over_a_mebibyte_of_utf8_is_refused(idp):
    from ssoconsole.sso.metadata_fetch import MAX_BYTES

    wide = "<md:x>" + "\u00e9" * (MAX_BYTES // 2) + "</md:x>"  # two bytes a character
    body = json.dumps(
        {"displayName": "Wide", "metadataXml": wide}, ensure_ascii=False
    ).encode()  # not 6 bytes per \u00e9
    response = idp.post(AP, raw=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "sso.metadata_too_large"
    assert AuthProvider.objects.count() == 0
