"""Build and sign an Entra-shaped SAML Response for the benchmark.

The benchmark must feed every contender the very same bytes, shaped like
what Microsoft Entra ID posts by default: a Response that is not signed,
holding one Assertion that is (RSA-2048, RSA-SHA256, SHA-256 digest,
enveloped signature with exclusive C14N, the certificate in KeyInfo), the
default claims, and timestamps with a fraction of a second.

The signer is deliberately small and independent of ``ssoconsole``: a
benchmark that signs with the code it measures proves less.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"

CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
MS_CLAIMS = "http://schemas.microsoft.com/identity/claims/"
GROUPS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"


@dataclass(frozen=True)
class Signer:
    """An IdP signing key and its self-signed certificate."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @classmethod
    def generate(cls, bits: int = 2048) -> Signer:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        name = x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, "Microsoft Azure Federated SSO Certificate")]
        )
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3 * 365))
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_b64(self) -> str:
        return base64.b64encode(self.cert_der).decode("ascii")


@dataclass(frozen=True)
class Scenario:
    """Who talks to whom: the values every contender is configured with."""

    tenant_id: str = "9188040d-6c67-4c5b-b112-36a304b66dad"
    sp_entity_id: str = "https://console.example.test/saml/acme/metadata"
    acs_url: str = "https://console.example.test/saml/acme/acs"
    request_id: str = "_5f1c2a0e9b7d4c3a8e6f1d2c3b4a5968778695a4"
    user: str = "ada.lovelace@contoso.example"

    @property
    def idp_entity_id(self) -> str:
        return f"https://sts.windows.net/{self.tenant_id}/"

    @property
    def sso_url(self) -> str:
        return f"https://login.microsoftonline.com/{self.tenant_id}/saml2"


def _instant(moment: dt.datetime) -> str:
    """Format like Entra ID: UTC with milliseconds (it sends up to seven digits)."""
    return (
        moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{moment.microsecond // 1000:03d}Z"
    )


def build_response(
    signer: Signer,
    scenario: Scenario,
    *,
    issued: dt.datetime,
    group_count: int = 2,
    padding_bytes: int = 0,
) -> bytes:
    """Return the signed Response XML, issued at ``issued`` and valid for an hour.

    ``group_count`` adds Entra group-object-ID claim values, which is what
    makes real responses grow; ``padding_bytes`` adds one large claim value
    for the oversized-post and allocation figures.
    """
    e = lambda ns, tag: f"{{{ns}}}{tag}"  # noqa: E731
    response_id = "_" + str(uuid.uuid4())
    assertion_id = "_" + str(uuid.uuid4())
    not_after = issued + dt.timedelta(hours=1)

    response = etree.Element(
        e(SAMLP, "Response"),
        nsmap={"samlp": SAMLP},
        ID=response_id,
        Version="2.0",
        IssueInstant=_instant(issued),
        Destination=scenario.acs_url,
        InResponseTo=scenario.request_id,
    )
    issuer = etree.SubElement(response, e(SAML, "Issuer"), nsmap={None: SAML})
    issuer.text = scenario.idp_entity_id
    status = etree.SubElement(response, e(SAMLP, "Status"))
    etree.SubElement(
        status, e(SAMLP, "StatusCode"), Value="urn:oasis:names:tc:SAML:2.0:status:Success"
    )

    assertion = etree.SubElement(
        response,
        e(SAML, "Assertion"),
        nsmap={None: SAML},
        ID=assertion_id,
        IssueInstant=_instant(issued),
        Version="2.0",
    )
    etree.SubElement(assertion, e(SAML, "Issuer")).text = scenario.idp_entity_id
    subject = etree.SubElement(assertion, e(SAML, "Subject"))
    etree.SubElement(subject, e(SAML, "NameID"), Format=NAMEID_EMAIL).text = scenario.user
    confirmation = etree.SubElement(
        subject, e(SAML, "SubjectConfirmation"), Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"
    )
    etree.SubElement(
        confirmation,
        e(SAML, "SubjectConfirmationData"),
        InResponseTo=scenario.request_id,
        NotOnOrAfter=_instant(not_after),
        Recipient=scenario.acs_url,
    )
    conditions = etree.SubElement(
        assertion,
        e(SAML, "Conditions"),
        NotBefore=_instant(issued),
        NotOnOrAfter=_instant(not_after),
    )
    restriction = etree.SubElement(conditions, e(SAML, "AudienceRestriction"))
    etree.SubElement(restriction, e(SAML, "Audience")).text = scenario.sp_entity_id

    statement = etree.SubElement(assertion, e(SAML, "AttributeStatement"))
    claims = [
        (MS_CLAIMS + "tenantid", [scenario.tenant_id]),
        (MS_CLAIMS + "objectidentifier", ["0c2c5f3a-9c1e-4a59-8d0f-6f7b1c2d3e4f"]),
        (MS_CLAIMS + "displayname", ["Ada Lovelace"]),
        (MS_CLAIMS + "identityprovider", [scenario.idp_entity_id]),
        (
            "http://schemas.microsoft.com/claims/authnmethodsreferences",
            ["http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password"],
        ),
        (CLAIMS + "givenname", ["Ada"]),
        (CLAIMS + "surname", ["Lovelace"]),
        (CLAIMS + "emailaddress", [scenario.user]),
        (CLAIMS + "name", [scenario.user]),
        (GROUPS, [str(uuid.UUID(int=0x5EED0000 + i)) for i in range(group_count)]),
    ]
    if padding_bytes:
        claims.append((CLAIMS + "padding", ["x" * padding_bytes]))
    for name, values in claims:
        attribute = etree.SubElement(statement, e(SAML, "Attribute"), Name=name)
        for value in values:
            etree.SubElement(attribute, e(SAML, "AttributeValue")).text = value
    authn = etree.SubElement(
        assertion,
        e(SAML, "AuthnStatement"),
        AuthnInstant=_instant(issued),
        SessionIndex=assertion_id,
    )
    context = etree.SubElement(authn, e(SAML, "AuthnContext"))
    etree.SubElement(
        context, e(SAML, "AuthnContextClassRef")
    ).text = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"

    _sign_enveloped(assertion, signer, after=assertion[0])
    return etree.tostring(response)


def _sign_enveloped(element: etree._Element, signer: Signer, *, after: etree._Element) -> None:
    """Sign ``element`` the way SAML Core 5.4 prescribes, placing ds:Signature after ``after``."""
    digest = base64.b64encode(
        hashlib.sha256(etree.tostring(element, method="c14n", exclusive=True)).digest()
    ).decode("ascii")
    d = lambda tag: f"{{{DS}}}{tag}"  # noqa: E731
    signature = etree.Element(d("Signature"), nsmap={None: DS})
    signed_info = etree.SubElement(signature, d("SignedInfo"))
    etree.SubElement(signed_info, d("CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(signed_info, d("SignatureMethod"), Algorithm=RSA_SHA256)
    reference = etree.SubElement(signed_info, d("Reference"), URI="#" + element.get("ID"))
    transforms = etree.SubElement(reference, d("Transforms"))
    etree.SubElement(transforms, d("Transform"), Algorithm=ENVELOPED)
    etree.SubElement(transforms, d("Transform"), Algorithm=EXC_C14N)
    etree.SubElement(reference, d("DigestMethod"), Algorithm=SHA256)
    etree.SubElement(reference, d("DigestValue")).text = digest
    after.addnext(signature)
    # SignedInfo is canonicalized in place, with the namespace context it has there.
    signed_octets = etree.tostring(signed_info, method="c14n", exclusive=True)
    value = signer.key.sign(signed_octets, padding.PKCS1v15(), hashes.SHA256())
    etree.SubElement(signature, d("SignatureValue")).text = base64.b64encode(value).decode("ascii")
    key_info = etree.SubElement(signature, d("KeyInfo"))
    x509_data = etree.SubElement(key_info, d("X509Data"))
    etree.SubElement(x509_data, d("X509Certificate")).text = signer.cert_b64
