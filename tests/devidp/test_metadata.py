"""The App Federation Metadata document: Entra's shape, our URLs, a valid signature."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from devidp.conftest import BASE_URL
from devidp.saml_client import DS, NS, parse, verify_with_signxml, verify_with_xmlsec1
from ssoconsole.devidp import services

pytestmark = pytest.mark.django_db

MD = NS["md"]
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _fetch(client, app):
    url = services.federation_metadata_url(app)
    assert (
        url
        == f"{BASE_URL}/devidp/{app.directory_id}/federationmetadata/2007-06/federationmetadata.xml?appid={app.id}"
    )
    response = client.get(url.removeprefix(BASE_URL))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return response.content


def _certs(descriptor):
    return [
        el.text
        for el in descriptor.findall(
            "md:KeyDescriptor[@use='signing']/ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS
        )
    ]


def test_metadata_has_entra_shape(client, directory, app):
    body = _fetch(client, app)
    assert body.startswith(b"\xef\xbb\xbf<?xml"), (
        "Entra's metadata starts with a UTF-8 byte order mark"
    )
    root = parse(body[3:])
    assert root.tag == f"{{{MD}}}EntityDescriptor"
    assert root.get("entityID") == f"{BASE_URL}/devidp/{directory.id}/"
    assert root[0].tag == f"{{{DS}}}Signature"
    role, idp = root.findall("md:RoleDescriptor", NS), root.findall("md:IDPSSODescriptor", NS)
    assert len(role) == 1 and len(idp) == 1
    assert role[0].get(f"{{{XSI}}}type") == "fed:SecurityTokenServiceType"
    assert idp[0].get("protocolSupportEnumeration") == "urn:oasis:names:tc:SAML:2.0:protocol"
    sso = {
        el.get("Binding"): el.get("Location") for el in idp[0].findall("md:SingleSignOnService", NS)
    }
    assert sso == {
        "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect": f"{BASE_URL}/devidp/{directory.id}/saml2",
        "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST": f"{BASE_URL}/devidp/{directory.id}/saml2",
    }
    assert idp[0].find("md:SingleLogoutService", NS) is None
    active = services.active_certificate(app)
    expected = "".join(active.certificate_pem.strip().splitlines()[1:-1])
    assert _certs(idp[0]) == [expected] == _certs(role[0])


def test_metadata_signature_verifies(client, directory, app):
    body = _fetch(client, app)
    cert = services.active_certificate(app).certificate_pem
    signed = verify_with_signxml(parse(body[3:]), cert)
    assert signed.find("md:IDPSSODescriptor", NS) is not None
    result = verify_with_xmlsec1(
        body[3:], cert, id_attrs=("urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",)
    )
    assert result.returncode == 0, result.stderr


def test_signing_certificate_is_rsa_2048_for_three_years(app):
    cert = x509.load_pem_x509_certificate(services.active_certificate(app).certificate_pem.encode())
    assert isinstance(cert.public_key(), rsa.RSAPublicKey) and cert.public_key().key_size == 2048
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert dt.timedelta(days=3 * 365) <= lifetime < dt.timedelta(days=3 * 365 + 2)


def test_rollover_lists_every_unexpired_certificate_active_first(client, directory, app):
    """During a rollover the SP must be able to trust all signing keys, so all are published."""
    old = services.active_certificate(app)
    new = services.add_certificate(app)
    services.activate_certificate(new)
    idp = parse(_fetch(client, app)[3:]).find("md:IDPSSODescriptor", NS)
    der = lambda pem: "".join(pem.strip().splitlines()[1:-1])  # noqa: E731
    assert _certs(idp) == [der(new.certificate_pem), der(old.certificate_pem)]
    type(old).objects.filter(pk=old.pk).update(not_after=dt.datetime(2001, 1, 1, tzinfo=dt.UTC))
    idp = parse(_fetch(client, app)[3:]).find("md:IDPSSODescriptor", NS)
    assert _certs(idp) == [der(new.certificate_pem)]


@pytest.mark.parametrize("appid", ["", "not-a-uuid", str(uuid.uuid4())])
def test_unknown_app_is_404(client, directory, app, appid):
    response = client.get(
        f"/devidp/{directory.id}/federationmetadata/2007-06/federationmetadata.xml",
        {"appid": appid},
    )
    assert response.status_code == 404


def test_app_of_another_directory_is_404(client, directory, app):
    other = services.create_directory("Other")
    response = client.get(
        f"/devidp/{other.id}/federationmetadata/2007-06/federationmetadata.xml",
        {"appid": str(app.id)},
    )
    assert response.status_code == 404
