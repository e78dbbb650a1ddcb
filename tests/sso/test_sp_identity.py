"""The tenant's SP key pairs: generated once, encrypted at rest, rotatable; the SP metadata endpoints."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import connection
from lxml import etree

from ssoconsole.audit.models import AuditEvent
from ssoconsole.sso import keys
from ssoconsole.sso.errors import KeyDecryptionFailed
from ssoconsole.sso.models import SPIdentity
from ssoconsole.sso.providers import set_advanced_settings
from ssoconsole.sso.sp_identity import (
    reseal_sp_keys,
    rotate_sp_signing_key,
    service_provider_config,
    sp_identity,
)

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"


def raw_column(tenant) -> str:
    """Read the stored column with SQL, bypassing the model, as a database dump would."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key_encrypted FROM sso_spidentity")
        rows = cursor.fetchall()
    assert len(rows) == 1
    return rows[0][0]


# --- keys at rest --------------------------------------------------------------------------------


def test_private_key_is_never_stored_in_clear(tenant):
    sp = service_provider_config(tenant)
    stored = raw_column(tenant)
    assert stored.startswith(keys.FORMAT + "$")
    assert "PRIVATE KEY" not in stored and "-----BEGIN" not in stored
    body = b"".join(
        line for line in sp.signing_key_pem.splitlines() if not line.startswith(b"-----")
    )
    assert body[:40].decode() not in stored
    assert AuditEvent.objects.filter(action="sp_identity.key_generated").count() == 1


def test_key_pair_is_rsa_2048_with_ten_year_certificate(tenant):
    sp = service_provider_config(tenant)
    key = serialization.load_pem_private_key(sp.signing_key_pem, password=None)
    cert = x509.load_pem_x509_certificate(sp.signing_cert_pem)
    assert (
        key.key_size == 2048
        and cert.public_key().public_numbers() == key.public_key().public_numbers()
    )
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc) > dt.timedelta(days=3640)


def test_sealed_key_is_bound_to_its_tenant(tenant):
    sealed = keys.seal(b"secret", context=str(tenant.id))
    assert keys.open_sealed(sealed, context=str(tenant.id)) == b"secret"
    with pytest.raises(KeyDecryptionFailed):
        keys.open_sealed(sealed, context="another-tenant")


@pytest.mark.parametrize(
    "text", ["garbage", "ssoc-k9$abcd$AAAA", "ssoc-k1$00000000$AAAA", "ssoc-k1$x$!!!"]
)
def test_unreadable_sealed_values_are_refused_with_advice(text):
    with pytest.raises(KeyDecryptionFailed) as info:
        keys.open_sealed(text, context="t")
    assert info.value.code == "sso.sp_key_undecryptable"


def test_secret_rotation_with_fallback_and_reseal(tenant, settings):
    """A new SECRET_KEY with the old one as a fallback still opens keys; resealing moves them to the new one."""
    original = service_provider_config(tenant).signing_key_pem
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = (
        "a-brand-new-secret-key-for-tests",
        [old_secret],
    )
    assert service_provider_config(tenant).signing_key_pem == original
    assert not keys.is_current(raw_column(tenant))
    assert reseal_sp_keys() == 2 and reseal_sp_keys() == 0  # the signing and the encryption key
    assert keys.is_current(raw_column(tenant))
    assert keys.is_current(SPIdentity.objects.get(tenant=tenant).encryption_key_encrypted)
    settings.SECRET_KEY_FALLBACKS = []
    assert service_provider_config(tenant).signing_key_pem == original


def test_sp_metadata_with_an_unreadable_key_is_a_readable_503(
    client, tenant, file_provider, settings
):
    set_advanced_settings(file_provider, sign_requests=True)
    service_provider_config(tenant)
    settings.SECRET_KEY = "some-other-secret-entirely"
    response = client.get(f"/sso/{tenant.id}/metadata")
    assert response.status_code == 503 and b"SP keys cannot be read" in response.content


def test_tampered_key_is_reported(tenant):
    service_provider_config(tenant)
    identity = SPIdentity.objects.get(tenant=tenant)
    version, key_id, payload = identity.private_key_encrypted.split("$")
    identity.private_key_encrypted = f"{version}${key_id}${payload[:-6]}AAAAAA"
    identity.save()
    with pytest.raises(KeyDecryptionFailed) as info:
        service_provider_config(tenant)
    assert "altered" in info.value.message


def test_lost_secret_is_reported(tenant, settings):
    service_provider_config(tenant)
    settings.SECRET_KEY = "some-other-secret-entirely"
    with pytest.raises(KeyDecryptionFailed) as info:
        service_provider_config(tenant)
    assert "SECRET_KEY_FALLBACKS" in info.value.message


def test_rotate_signing_key(tenant, admin):
    first = service_provider_config(tenant)
    rotate_sp_signing_key(tenant, actor=admin)
    second = service_provider_config(tenant)
    assert (
        second.signing_cert_pem != first.signing_cert_pem
        and second.signing_key_pem != first.signing_key_pem
    )
    assert SPIdentity.objects.get(tenant=tenant).rotated_at is not None
    assert AuditEvent.objects.get(action="sp_identity.key_rotated").actor_id == admin.id


def test_identity_is_created_once(tenant):
    assert sp_identity(tenant).pk == sp_identity(tenant).pk
    assert SPIdentity.objects.count() == 1


def test_reseal_command(tenant, settings):
    from io import StringIO

    from django.core.management import call_command

    service_provider_config(tenant)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = (
        "rotated-secret-key-value",
        [settings.SECRET_KEY],
    )
    out = StringIO()
    call_command("reseal-sp-keys", stdout=out)
    assert out.getvalue().startswith("2 SP private key")


# --- SP metadata endpoints ---------------------------------------------------------------------------


def metadata_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/samlmetadata+xml"
    assert "max-age=300" in response["Cache-Control"]
    return etree.fromstring(response.content)


@pytest.mark.parametrize("path", ["/sso/{id}/metadata", "/{id}"], ids=["metadata-url", "entity-id"])
def test_sp_metadata_is_shown_as_xml_in_a_browser(client, tenant, path):
    """Tutorial Step 1.5: pasting the metadata URL into a browser shows the document instead of a download."""
    response = client.get(
        path.format(id=tenant.id), HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert "Accept" in response["Vary"]
    assert etree.fromstring(response.content).get("entityID").endswith(f"/{tenant.id}")


@pytest.mark.parametrize("path", ["/sso/{id}/metadata", "/{id}"], ids=["metadata-url", "entity-id"])
def test_sp_metadata_endpoints(client, tenant, settings, path):
    settings.SSOCONSOLE_BASE_URL = "https://sso.example.com"
    root = metadata_of(client.get(path.format(id=tenant.id)))
    assert root.get("entityID") == f"https://sso.example.com/{tenant.id}"
    sp = root.find(f"{{{MD}}}SPSSODescriptor")
    acs = sp.find(f"{{{MD}}}AssertionConsumerService")
    assert acs.get("Location") == f"https://sso.example.com/sso/{tenant.id}/acs"
    assert acs.get("Binding").endswith("HTTP-POST")
    assert sp.get("AuthnRequestsSigned") == "false" and sp.get("WantAssertionsSigned") == "true"
    assert sp.find(f"{{{MD}}}SingleLogoutService") is None
    # The encryption certificate is always offered (an IdP uses it only once an admin uploads it); the
    # signing one only when requests are signed.
    assert [d.get("use") for d in sp.findall(f"{{{MD}}}KeyDescriptor")] == ["encryption"]


def test_sp_metadata_carries_signing_key_when_a_provider_signs_requests(
    client, tenant, file_provider
):
    set_advanced_settings(file_provider, sign_requests=True)
    root = metadata_of(client.get(f"/sso/{tenant.id}/metadata"))
    sp = root.find(f"{{{MD}}}SPSSODescriptor")
    assert sp.get("AuthnRequestsSigned") == "true"
    (descriptor,) = sp.findall(f"{{{MD}}}KeyDescriptor[@use='signing']")
    cert_b64 = descriptor.findtext(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    cert = x509.load_pem_x509_certificate(service_provider_config(tenant).signing_cert_pem)
    assert base64.b64decode("".join(cert_b64.split())) == cert.public_bytes(
        serialization.Encoding.DER
    )


@pytest.mark.parametrize(
    "path",
    [
        "/sso/00000000-0000-0000-0000-000000000000/metadata",
        "/sso/not-a-tenant/metadata",
        "/00000000-0000-0000-0000-000000000000",
    ],
)
def test_unknown_tenant_is_a_readable_404(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b"No tenant with this id" in response.content


def test_metadata_is_read_only(client, tenant):
    assert client.post(f"/sso/{tenant.id}/metadata").status_code == 405
    assert client.head(f"/sso/{tenant.id}/metadata").status_code == 200


def test_reseal_covers_the_keys_of_a_rotation_under_way(tenant, settings):
    """Next and previous keys are private keys too: resealing moves them to the new secret."""
    from ssoconsole.sso import sp_rotation

    sp_identity(tenant)
    sp_rotation.prepare_next_key(tenant, "encryption")
    sp_rotation.switch_key(tenant, "encryption")
    sp_rotation.prepare_next_key(tenant, "signing")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = (
        "another-brand-new-secret-for-tests",
        [settings.SECRET_KEY],
    )
    assert reseal_sp_keys() == 4  # signing, its next; encryption, its previous
    identity = SPIdentity.objects.get(tenant=tenant)
    for sealed in (
        identity.signing_next_key_encrypted,
        identity.encryption_previous_key_encrypted,
    ):
        assert keys.is_current(sealed)
