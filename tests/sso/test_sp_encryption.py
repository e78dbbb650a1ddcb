"""The tenant's SP encryption key pair: separate from signing, sealed at rest, published, downloadable."""

from __future__ import annotations

import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import connection
from lxml import etree

from ssoconsole.audit.models import AuditEvent
from ssoconsole.sso import keys
from ssoconsole.sso.errors import KeyDecryptionFailed
from ssoconsole.sso.models import SPIdentity
from ssoconsole.sso.sp_identity import (
    encryption_certificate_pem,
    rotate_sp_encryption_key,
    service_provider_config,
    sp_identity,
)

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
DOWNLOAD = "/console/administration/integrations/identity-management/sp-encryption-certificate.cer"


def stored_row(tenant) -> tuple:
    """Read every column of the tenant's row with SQL, bypassing the model, as a database dump would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM sso_spidentity WHERE tenant_id = %s",
            [tenant.id.hex if connection.vendor == "sqlite" else tenant.id],
        )
        rows = cursor.fetchall()
    assert len(rows) == 1
    return rows[0]


def der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def test_encryption_private_key_is_never_stored_in_clear(tenant):
    """A database dump holds the sealed text only: no PEM armour, no part of the key's body, in any column."""
    sp = service_provider_config(tenant)
    identity = SPIdentity.objects.get(tenant=tenant)
    assert identity.encryption_key_encrypted.startswith(keys.FORMAT + "$")
    dump = " ".join(str(value) for value in stored_row(tenant))
    assert "PRIVATE KEY" not in dump
    body = b"".join(
        line for line in sp.encryption_key_pem.splitlines() if not line.startswith(b"-----")
    )
    for start in range(0, len(body) - 40, 200):
        assert body[start : start + 40].decode() not in dump


def test_encryption_pair_is_rsa_2048_and_not_the_signing_pair(tenant):
    """Two independent key pairs: replacing one never forces a change of the other."""
    sp = service_provider_config(tenant)
    key = serialization.load_pem_private_key(sp.encryption_key_pem, password=None)
    cert = x509.load_pem_x509_certificate(sp.encryption_cert_pem)
    assert (
        key.key_size == 2048
        and cert.public_key().public_numbers() == key.public_key().public_numbers()
    )
    assert (
        sp.encryption_key_pem != sp.signing_key_pem
        and sp.encryption_cert_pem != sp.signing_cert_pem
    )
    assert "encryption" in cert.subject.rfc4514_string()


def test_a_sealed_key_moved_to_the_other_column_does_not_open(tenant):
    """The encryption key is sealed under its own context, so swapping sealed texts between columns fails."""
    identity = sp_identity(tenant)
    SPIdentity.objects.filter(pk=identity.pk).update(
        encryption_key_encrypted=identity.private_key_encrypted
    )
    with pytest.raises(KeyDecryptionFailed):
        service_provider_config(tenant)


def test_a_row_made_before_encryption_keys_gets_a_pair_on_first_use(tenant):
    """Rows from before the migration have empty encryption columns; the first use fills them, once."""
    identity = sp_identity(tenant)
    SPIdentity.objects.filter(pk=identity.pk).update(
        encryption_key_encrypted="", encryption_certificate_pem=""
    )
    first = encryption_certificate_pem(tenant)
    assert first.startswith(b"-----BEGIN CERTIFICATE-----")
    assert encryption_certificate_pem(tenant) == first
    assert AuditEvent.objects.filter(action="sp_identity.encryption_key_generated").count() == 1
    assert service_provider_config(tenant).encryption_cert_pem == first


def test_rotating_the_encryption_key_leaves_the_signing_key(tenant, admin):
    before = service_provider_config(tenant)
    rotate_sp_encryption_key(tenant, actor=admin)
    after = service_provider_config(tenant)
    assert after.encryption_cert_pem != before.encryption_cert_pem
    assert after.encryption_key_pem != before.encryption_key_pem
    assert after.signing_key_pem == before.signing_key_pem
    assert AuditEvent.objects.get(action="sp_identity.encryption_key_rotated").actor_id == admin.id


def test_sp_metadata_publishes_the_encryption_certificate_and_its_algorithms(client, tenant):
    """SAML Metadata 2.4.1.1: a KeyDescriptor use="encryption" with the SP's certificate and accepted algorithms."""
    root = etree.fromstring(client.get(f"/sso/{tenant.id}/metadata").content)
    (descriptor,) = root.findall(
        f"{{{MD}}}SPSSODescriptor/{{{MD}}}KeyDescriptor[@use='encryption']"
    )
    cert_b64 = descriptor.findtext(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    assert base64.b64decode("".join(cert_b64.split())) == der(encryption_certificate_pem(tenant))
    methods = [m.get("Algorithm") for m in descriptor.findall(f"{{{MD}}}EncryptionMethod")]
    assert methods[0] == "http://www.w3.org/2009/xmlenc11#aes256-gcm"
    assert "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p" in methods
    assert not any("rsa-1_5" in m or "tripledes" in m for m in methods)


def test_identity_admin_downloads_the_encryption_certificate(identity_admin_client, tenant):
    """Entra ID's Token encryption takes the certificate as a .cer upload; it is the one the metadata carries."""
    response = identity_admin_client.get(DOWNLOAD)
    assert response.status_code == 200
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="ssoconsole-sp-encryption-{tenant.id}.cer"'
    )
    assert der(response.content) == der(encryption_certificate_pem(tenant))
    assert b"PRIVATE" not in response.content


def test_the_identity_management_screen_links_the_download(identity_admin_client):
    page = identity_admin_client.get(
        "/console/administration/integrations/identity-management/"
    ).content.decode()
    assert f'href="{DOWNLOAD}"' in page and "Download encryption certificate (.cer)" in page


def test_other_roles_cannot_download_it(org_admin_client, plain_user_client, client, db):
    assert org_admin_client.get(DOWNLOAD).status_code == 403
    assert plain_user_client.get(DOWNLOAD).status_code == 403
    anonymous = client.get(DOWNLOAD)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login")
