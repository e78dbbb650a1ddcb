"""What sign-in gets: the core's configuration dataclasses, the user's provider, certificate status."""

from __future__ import annotations

import datetime as dt

import pytest

from ssoconsole.accounts.models import User
from ssoconsole.saml.config import (
    IdentityProvider,
    RequestSettings,
    ServiceProvider,
    ValidationPolicy,
)
from ssoconsole.sso.certificates import provider_certificates
from ssoconsole.sso.org_usage import set_orgs_in_use
from ssoconsole.sso.providers import create_provider, set_advanced_settings, set_attribute_mapping
from ssoconsole.sso.saml_config import (
    effective_provider_for_user,
    identity_provider_config,
    mapping_config,
    request_settings,
    service_provider_config,
    validation_policy,
)
from ssoconsole.tenancy.models import Organization, SSOMode

from . import helpers


def test_identity_provider_config_from_cached_metadata(file_provider, idp_certs):
    idp = identity_provider_config(file_provider)
    assert idp == IdentityProvider(
        entity_id="https://sts.windows.net/test-tenant/",
        signing_certificates=(helpers.der(idp_certs["a"]),),
        sso_url_redirect="https://login.microsoftonline.com/test-tenant/saml2",
        sso_url_post=None,
    )


def test_request_settings_defaults_request_no_context(file_provider):
    settings = request_settings(file_provider)
    assert (
        settings.authn_context_class_ref is None
        and not settings.sign_requests
        and not settings.force_authn
    )
    assert settings.signature_method == RequestSettings().signature_method
    assert settings.digest_method == RequestSettings().digest_method


def test_request_settings_follow_the_advanced_settings(file_provider):
    set_advanced_settings(
        file_provider,
        authn_context_class_ref="urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
        authn_context_comparison="exact",
        force_authn=True,
        sign_requests=True,
        name_id_format="",
    )
    settings = request_settings(file_provider)
    assert (
        settings.authn_context_class_ref.endswith("Password")
        and settings.force_authn
        and settings.sign_requests
    )
    assert settings.name_id_format is None


def test_validation_policy(file_provider):
    assert validation_policy(file_provider) == ValidationPolicy()
    set_advanced_settings(file_provider, clock_skew_seconds=30, insecure_allow_sha1=True)
    policy = validation_policy(file_provider)
    assert policy.clock_skew == dt.timedelta(seconds=30) and policy.insecure_allow_sha1


def test_mapping_config(file_provider):
    assert mapping_config(file_provider).use_default
    set_attribute_mapping(file_provider, use_default=False, username="mail", last_name="sn")
    config = mapping_config(file_provider)
    assert (config.username_attribute, config.first_name_attribute, config.last_name_attribute) == (
        "mail",
        None,
        "sn",
    )


def test_service_provider_config(tenant, settings):
    settings.SSOCONSOLE_BASE_URL = "https://sso.example.com"
    sp = service_provider_config(tenant)
    assert isinstance(sp, ServiceProvider)
    assert sp.entity_id == f"https://sso.example.com/{tenant.id}"
    assert sp.acs_url == f"https://sso.example.com/sso/{tenant.id}/acs"
    assert sp.signing_key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert sp.signing_cert_pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert service_provider_config(tenant).signing_key_pem == sp.signing_key_pem  # generated once
    assert service_provider_config(tenant, with_keys=False).signing_key_pem is None


# --- the user's provider ------------------------------------------------------------------------


def make_chain(tenant, top, depth: int) -> Organization:
    parent = top
    for i in range(depth):
        parent = Organization.objects.create(
            tenant=tenant, parent=parent, name=f"level {i}", sso_mode=SSOMode.INHERIT
        )
    return parent


def test_effective_provider_inherited_through_a_deep_tree_in_two_queries(
    tenant, top, file_provider, django_assert_max_num_queries
):
    leaf = make_chain(tenant, top, 20)
    user = User.objects.create(tenant=tenant, org=leaf, username="deep@acme.test")
    user = User.objects.get(id=user.id)
    with django_assert_max_num_queries(1):
        assert effective_provider_for_user(user) is None
    set_orgs_in_use(file_provider, [top.id])
    user = User.objects.get(id=user.id)
    with django_assert_max_num_queries(2):
        assert effective_provider_for_user(user) == file_provider


def test_effective_provider_of_a_nearer_org_wins(tenant, orgs, file_provider, metadata_a):
    okta = create_provider(tenant, "Okta", metadata_xml=metadata_a)
    set_orgs_in_use(file_provider, [orgs["top"].id])
    set_orgs_in_use(okta, [orgs["sales"].id])
    eu_user = User.objects.create(tenant=tenant, org=orgs["eu"], username="eu@acme.test")
    test_user = User.objects.create(tenant=tenant, org=orgs["test"], username="t@acme.test")
    assert effective_provider_for_user(eu_user) == okta
    assert effective_provider_for_user(test_user) == file_provider


# --- certificates for display ---------------------------------------------------------------------


def test_certificate_status_ok_expiring_expired(tenant, idp_certs):
    xml = helpers.idp_metadata(certs=[idp_certs["a"], idp_certs["expiring"], idp_certs["expired"]])
    provider = create_provider(tenant, "Roll", metadata_xml=xml)
    statuses = provider_certificates(provider, helpers.now())
    assert [s.status for s in statuses] == ["ok", "expiring", "expired"]
    assert statuses[0].subject == "CN=IdP signing A"
    assert len(statuses[0].sha256_fingerprint) == 64  # 32 bytes as uppercase hex, like Entra's
    assert len(statuses[0].sha1_thumbprint) == 40 and statuses[0].sha1_thumbprint.isupper()
    assert "Expires in" in statuses[1].message and "Expired on" in statuses[2].message
    # Dates are information: an expired certificate is never said to make sign-in fail.
    assert "sign-in keeps working" in statuses[2].message
    assert "fail" not in " ".join(s.message for s in statuses)
    assert statuses[1].as_dict()["status"] == "expiring"


@pytest.mark.parametrize(
    "remaining, status",
    [
        (dt.timedelta(days=31), "ok"),
        (dt.timedelta(days=30), "expiring"),
        (dt.timedelta(seconds=1), "expiring"),
        (dt.timedelta(0), "expired"),
        (dt.timedelta(days=-1), "expired"),
    ],
)
def test_certificate_warning_threshold(file_provider, idp_certs, remaining, status):
    """Warn within 30 days of the end, error from the end on."""
    (result,) = provider_certificates(file_provider, idp_certs["a"].not_valid_after_utc - remaining)
    assert result.status == status
