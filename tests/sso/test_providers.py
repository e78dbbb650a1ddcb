"""Provider services: create, update, delete, attribute mapping, advanced settings, each audited."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssoconsole.audit.models import AuditEvent
from ssoconsole.core.errors import Conflict, DomainError, ValidationFailed
from ssoconsole.saml.metadata import CertificateInfo
from ssoconsole.sso import errors as e
from ssoconsole.sso.models import AuthProvider, MetadataSource
from ssoconsole.sso.org_usage import set_orgs_in_use
from ssoconsole.sso.providers import (
    create_provider,
    delete_provider,
    get_provider,
    providers_of,
    set_advanced_settings,
    set_attribute_mapping,
    update_provider,
)
from ssoconsole.tenancy.models import SSOMode
from ssoconsole.tenancy.services import set_org_sso

from . import helpers

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "idp-samples"


def last_event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-created_at").first()


def fingerprint(cert) -> str:
    return CertificateInfo.from_der(helpers.der(cert)).sha256_fingerprint


# --- create ----------------------------------------------------------------------------------


def test_create_from_file_caches_parsed_metadata(tenant, admin, idp_certs, metadata_a):
    """An uploaded file is parsed once; entity ID, SSO URL and certificates are cached on the provider."""
    p = create_provider(tenant, "  Entra   ID ", metadata_xml=metadata_a, actor=admin)
    p = AuthProvider.objects.get(id=p.id)
    assert p.display_name == "Entra ID"
    assert p.metadata_source == MetadataSource.FILE and p.next_refresh_at is None
    assert p.entity_id == "https://sts.windows.net/test-tenant/"
    assert p.sso_url_redirect == "https://login.microsoftonline.com/test-tenant/saml2"
    assert bytes(p.metadata_xml) == metadata_a
    assert len(p.signing_certificates) == 1 and p.last_refresh_result == "ok"
    # Advanced defaults: no requested context, SHA-256, unsigned requests, 180 s skew.
    assert (
        p.authn_context_class_ref,
        p.sign_requests,
        p.clock_skew_seconds,
        p.insecure_allow_sha1,
    ) == ("", False, 180, False)
    assert p.signature_method.endswith("rsa-sha256") and p.digest_method.endswith("#sha256")
    event = last_event("auth_provider.created")
    assert event.actor_id == admin.id and event.target_id == str(p.id)
    assert event.data["after"]["signingCertificates"] == [fingerprint(idp_certs["a"])]


def test_create_accepts_text_and_real_entra_metadata(tenant):
    """Entra ID's real metadata, as text, read at the time it was current (its certificates expired since)."""
    import datetime as dt

    sample = SAMPLES / "entra-id" / "federationmetadata-common.xml"
    xml = sample.read_text(encoding="utf-8-sig")
    p = create_provider(
        tenant, "Entra", metadata_xml=xml, now=dt.datetime(2017, 2, 14, tzinfo=dt.UTC)
    )
    assert p.entity_id.startswith("https://sts.windows.net/") and len(p.signing_certificates) >= 1
    with pytest.raises(e.MetadataCertificatesExpired):
        create_provider(tenant, "Entra today", metadata_xml=xml)


@pytest.mark.parametrize(
    "name, code",
    [
        ("", "sso.display_name_required"),
        ("   ", "sso.display_name_required"),
        ("x" * 101, "sso.display_name_too_long"),
        (None, "sso.display_name_required"),
    ],
)
def test_display_name_is_validated(tenant, metadata_a, name, code):
    with pytest.raises(ValidationFailed) as info:
        create_provider(tenant, name, metadata_xml=metadata_a)
    assert info.value.code == code and info.value.field == "displayName"


def test_display_name_unique_per_tenant_ignoring_case(
    tenant, other_tenant, metadata_a, file_provider
):
    with pytest.raises(Conflict) as info:
        create_provider(tenant, "ENTRA id", metadata_xml=metadata_a)
    assert info.value.code == "sso.display_name_taken"
    assert create_provider(other_tenant, "Entra ID", metadata_xml=metadata_a).tenant == other_tenant


def test_exactly_one_metadata_source(tenant, metadata_a):
    with pytest.raises(DomainError) as info:
        create_provider(tenant, "X")
    assert info.value.code == "sso.metadata_source_required"
    with pytest.raises(DomainError):
        create_provider(
            tenant, "X", metadata_xml=metadata_a, metadata_url="https://login.microsoftonline.com/x"
        )


@pytest.mark.parametrize(
    "build, code",
    [
        (lambda c: helpers.HTML_PAGE, "saml.metadata_not_xml"),
        (lambda c: helpers.XML_BOMB, "saml.xml_forbidden"),
        (lambda c: helpers.entities_metadata(30, c["a"]), "saml.metadata_entity_ambiguous"),
        (lambda c: helpers.idp_metadata(certs=[]), "saml.metadata_no_signing_certificate"),
        (lambda c: helpers.idp_metadata(certs=[c["expired"]]), "sso.metadata_certificates_expired"),
        (lambda c: b"   ", "sso.metadata_empty"),
        (lambda c: b"<a>" * 400_000, "sso.metadata_too_large"),
        (lambda c: b"not xml at all", "saml.metadata_not_xml"),
    ],
    ids=[
        "html",
        "xml-bomb",
        "many-idps",
        "no-signing-cert",
        "expired-cert",
        "empty",
        "oversized",
        "garbage",
    ],
)
def test_bad_metadata_is_refused_and_nothing_stored(tenant, idp_certs, build, code):
    """Each bad document is refused with its own code and a sentence; no provider and no audit event remain."""
    with pytest.raises(DomainError) as info:
        create_provider(tenant, "Bad", metadata_xml=build(idp_certs))
    assert info.value.code == code
    assert len(info.value.message) > 20
    assert not AuthProvider.objects.exists()
    assert not AuditEvent.objects.filter(action="auth_provider.created").exists()


def test_entity_can_be_chosen_out_of_an_entities_descriptor(tenant, idp_certs):
    p = create_provider(
        tenant,
        "Fed",
        metadata_xml=helpers.entities_metadata(30, idp_certs["a"]),
        entity_id="https://idp7.example.org/",
    )
    assert p.entity_id == "https://idp7.example.org/" and p.entity_selector == p.entity_id


def test_expired_certificate_beside_a_current_one_is_accepted(tenant, idp_certs):
    """During a rollover an expired certificate may linger; the current one keeps the provider usable."""
    p = create_provider(
        tenant,
        "Roll",
        metadata_xml=helpers.idp_metadata(certs=[idp_certs["expired"], idp_certs["a"]]),
    )
    assert len(p.signing_certificates) == 2


# --- update ------------------------------------------------------------------------------------


def test_rename_is_audited_with_before_and_after(file_provider, admin):
    update_provider(file_provider, display_name="Microsoft Entra ID", actor=admin)
    event = last_event("auth_provider.updated")
    assert event.data == {
        "before": {"displayName": "Entra ID"},
        "after": {"displayName": "Microsoft Entra ID"},
    }


def test_replace_metadata_file(file_provider, admin, idp_certs):
    """Uploading a new file replaces the trusted certificates; the audit shows old and new fingerprints."""
    update_provider(
        file_provider, metadata_xml=helpers.idp_metadata(certs=[idp_certs["b"]]), actor=admin
    )
    file_provider.refresh_from_db()
    event = last_event("auth_provider.updated")
    assert event.data["before"]["signingCertificates"] == [fingerprint(idp_certs["a"])]
    assert event.data["after"]["signingCertificates"] == [fingerprint(idp_certs["b"])]


def test_refused_replacement_leaves_provider_untouched(file_provider, metadata_a):
    with pytest.raises(DomainError):
        update_provider(file_provider, display_name="New name", metadata_xml=helpers.HTML_PAGE)
    assert file_provider.display_name == "Entra ID"
    file_provider.refresh_from_db()
    assert (
        file_provider.display_name == "Entra ID" and bytes(file_provider.metadata_xml) == metadata_a
    )


def test_rename_to_taken_name_is_refused(tenant, file_provider, metadata_a):
    other = create_provider(tenant, "Okta", metadata_xml=metadata_a)
    with pytest.raises(Conflict):
        update_provider(other, display_name="entra id")
    update_provider(file_provider, display_name="ENTRA ID")  # its own name in another case is fine


# --- delete -----------------------------------------------------------------------------------


def test_delete_unused_provider(file_provider, admin):
    delete_provider(file_provider, actor=admin)
    assert not AuthProvider.objects.exists()
    assert last_event("auth_provider.deleted").data["before"]["displayName"] == "Entra ID"


def test_delete_refused_while_orgs_use_it_naming_them(file_provider, orgs, admin):
    set_orgs_in_use(file_provider, [orgs["test"].id, orgs["sales"].id], actor=admin)
    with pytest.raises(e.ProviderInUse) as info:
        delete_provider(file_provider, actor=admin)
    assert info.value.status == 409 and info.value.code == "sso.provider_in_use"
    assert "Sales" in info.value.message and "Test" in info.value.message
    assert "Sales EU" not in info.value.message  # it inherits; switching Sales is enough
    assert {o["name"] for o in info.value.details["orgs"]} == {"Sales", "Test"}
    assert AuthProvider.objects.filter(id=file_provider.id).exists()


# --- lookups ----------------------------------------------------------------------------------


def test_providers_of_and_get_provider_respect_tenants(
    tenant, other_tenant, metadata_a, file_provider
):
    okta = create_provider(tenant, "Adfs", metadata_xml=metadata_a)
    foreign = create_provider(other_tenant, "Theirs", metadata_xml=metadata_a)
    assert [p.display_name for p in providers_of(tenant)] == ["Adfs", "Entra ID"]
    assert get_provider(tenant, str(okta.id)) == okta
    with pytest.raises(e.ProviderNotFound):
        get_provider(tenant, foreign.id)
    with pytest.raises(ValidationFailed):
        get_provider(tenant, "not-a-uuid")


def test_tenancy_accepts_only_own_providers(file_provider, other_tenant, orgs):
    """The provider checker registered in AppConfig.ready lets tenancy validate provider ids."""
    set_org_sso(orgs["test"], SSOMode.PROVIDER, file_provider.id)
    from ssoconsole.tenancy.services import top_org

    with pytest.raises(DomainError) as info:
        set_org_sso(top_org(other_tenant), SSOMode.PROVIDER, file_provider.id)
    assert info.value.code == "provider_not_found"


# --- attribute mapping ---------------------------------------------------------------------------


def test_attribute_mapping_custom_then_default(file_provider, admin):
    claim = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
    set_attribute_mapping(
        file_provider, use_default=False, username=claim, first_name=" givenName ", actor=admin
    )
    file_provider.refresh_from_db()
    assert (file_provider.username_attribute, file_provider.first_name_attribute) == (
        claim,
        "givenName",
    )
    event = last_event("auth_provider.mapping_changed")
    assert event.data["before"] == {"useDefault": True, "username": None, "firstName": None}
    assert event.data["after"] == {"useDefault": False, "username": claim, "firstName": "givenName"}
    set_attribute_mapping(file_provider, use_default=True, actor=admin)
    file_provider.refresh_from_db()
    assert file_provider.username_attribute == "" and file_provider.use_default_mapping


def test_attribute_mapping_null_username_means_name_id(file_provider):
    set_attribute_mapping(file_provider, use_default=False, username=None, last_name="sn")
    from ssoconsole.sso.saml_config import mapping_config

    assert mapping_config(file_provider).username_attribute is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"use_default": "yes"},
        {"use_default": False, "username": "has space"},
        {"use_default": False, "username": 5},
        {"use_default": False, "first_name": "x" * 600},
    ],
)
def test_attribute_mapping_is_validated(file_provider, kwargs):
    with pytest.raises(ValidationFailed):
        set_attribute_mapping(file_provider, **kwargs)


def test_unchanged_mapping_records_nothing(file_provider):
    set_attribute_mapping(file_provider, use_default=True)
    assert not AuditEvent.objects.filter(action="auth_provider.mapping_changed").exists()


# --- advanced settings ---------------------------------------------------------------------------


def test_advanced_settings_change_is_audited(file_provider, admin):
    set_advanced_settings(
        file_provider,
        actor=admin,
        authn_context_class_ref="urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
        authn_context_comparison="minimum",
        sign_requests=True,
        force_authn=True,
        clock_skew_seconds=60,
        name_id_format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    )
    file_provider.refresh_from_db()
    assert file_provider.sign_requests and file_provider.authn_context_comparison == "minimum"
    event = last_event("auth_provider.settings_changed")
    assert event.data["before"]["authnContextClassRef"] is None
    assert event.data["after"]["authnContextClassRef"].endswith("Password")
    assert (
        event.data["before"]["clockSkewSeconds"] == 180
        and event.data["after"]["clockSkewSeconds"] == 60
    )
    assert set(event.data["after"]) == {
        "authnContextClassRef",
        "authnContextComparison",
        "signRequests",
        "forceAuthn",
        "clockSkewSeconds",
        "nameIdFormat",
    }


def test_requested_context_can_be_turned_off_again(file_provider):
    set_advanced_settings(
        file_provider, authn_context_class_ref="urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
    )
    set_advanced_settings(file_provider, authn_context_class_ref=None)
    assert file_provider.authn_context_class_ref == ""


def test_sha1_needs_the_insecure_switch(file_provider):
    sha1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    with pytest.raises(ValidationFailed) as info:
        set_advanced_settings(file_provider, signature_method=sha1)
    assert info.value.code == "sso.sha1_not_allowed" and "insecureAllowSha1" in info.value.message
    file_provider.refresh_from_db()
    assert file_provider.signature_method.endswith("rsa-sha256")
    set_advanced_settings(file_provider, signature_method=sha1, insecure_allow_sha1=True)
    assert file_provider.signature_method == sha1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"authn_context_comparison": "EXACT"},
        {"clock_skew_seconds": 601},
        {"clock_skew_seconds": -1},
        {"clock_skew_seconds": True},
        {"sign_requests": "true"},
        {"authn_context_class_ref": "not a uri"},
        {"name_id_format": "urn:bogus"},
        {"digest_method": "md5"},
        {"colour": "red"},
    ],
)
def test_advanced_settings_are_validated(file_provider, kwargs):
    with pytest.raises(ValidationFailed):
        set_advanced_settings(file_provider, **kwargs)
    assert not AuditEvent.objects.filter(action="auth_provider.settings_changed").exists()
