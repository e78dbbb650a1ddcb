"""XML signatures made by the dev IdP: enveloped, exclusive c14n, one Reference to the element's ID.

This is the dev IdP's own signing path (signxml's XMLSigner), independent of
the SP's verifier in ``ssoconsole.saml``. The signature goes right after the
element's Issuer, where the SAML schema puts it (SAML Core 2.3.3 and 3.2.1).
"""

from __future__ import annotations

from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner

DS = "http://www.w3.org/2000/09/xmldsig#"

_ALGORITHMS = {
    "sha256": (SignatureMethod.RSA_SHA256, DigestAlgorithm.SHA256),
    "sha1": (SignatureMethod.RSA_SHA1, DigestAlgorithm.SHA1),
}


class _EntraSigner(XMLSigner):
    """An XMLSigner that also signs with SHA-1, because Entra still offers it.

    signxml refuses SHA-1 by default; the dev IdP must be able to produce it so
    that the service provider's handling of SHA-1 responses can be tried.
    """

    def check_deprecated_methods(self) -> None:
        return None


def sign(
    element: etree._Element,
    *,
    key_pem: str,
    cert_pem: str,
    algorithm: str = "sha256",
    first_child: bool = False,
) -> etree._Element:
    """Return a signed copy of ``element``, whose ``ID`` the signature's only Reference names.

    The signature goes after the element's ``saml:Issuer`` (its first child),
    or, with ``first_child``, before everything (metadata, SAML Metadata 3.1).
    """
    signature_method, digest_method = _ALGORITHMS[algorithm]
    element_id = element.get("ID")
    if not element_id:
        raise ValueError("Only an element with an ID attribute can be signed.")
    placeholder = etree.Element(f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    if first_child:
        element.insert(0, placeholder)
    else:
        issuer = element[0]
        if etree.QName(issuer).localname != "Issuer":
            raise ValueError("The first child of a signed SAML message must be its Issuer.")
        issuer.addnext(placeholder)
    signer = _EntraSigner(
        signature_algorithm=signature_method,
        digest_algorithm=digest_method,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    try:
        return signer.sign(
            element,
            key=key_pem.encode(),
            cert=cert_pem,
            reference_uri=f"#{element_id}",
            id_attribute="ID",
        )
    finally:
        # The caller's element stays as it was; signxml signed a copy.
        element.remove(placeholder)
