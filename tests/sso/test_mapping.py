"""Attribute mapping, a pure function, against every real IdP sample in tests/data/idp-samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from ssoconsole.sso.errors import (
    MappingNameIDMissing,
    MappingUsernameAttributeMissing,
    MappingUsernameInvalid,
)
from ssoconsole.sso.mapping import (
    CLAIM_GIVENNAME,
    CLAIM_SURNAME,
    MappedIdentity,
    MappingConfig,
    map_assertion,
    map_identity,
)

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "idp-samples"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DEFAULT = MappingConfig()


def read_assertion(path: Path) -> tuple[str | None, dict[str, tuple[str, ...]]]:
    """Return the NameID and the attributes (name -> values) of the sample's plaintext assertion."""
    root = etree.parse(str(path)).getroot()
    assertion = root if root.tag == f"{{{SAML}}}Assertion" else root.find(f".//{{{SAML}}}Assertion")
    name_id = assertion.find(f"{{{SAML}}}Subject/{{{SAML}}}NameID")
    attributes: dict[str, tuple[str, ...]] = {}
    for attribute in assertion.iter(f"{{{SAML}}}Attribute"):
        values = tuple(v.text for v in attribute.iter(f"{{{SAML}}}AttributeValue"))
        attributes[attribute.get("Name")] = attributes.get(attribute.get("Name"), ()) + values
    return (name_id.text if name_id is not None else None), attributes


# sample -> (default mapping result, a custom mapping and its result)
EXPECTED = {
    "entra-id/assertion-2017.xml": (
        MappedIdentity("RrX3SPSxDw6z4KHaKB2V_mnv0G-LbRZdYvo1RQa1L7s", "User", "1", "NameID"),
        MappingConfig(
            use_default=False,
            username_attribute="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
        ),
        MappedIdentity(
            "User1@Cyrano.onmicrosoft.com",
            "User",
            "1",
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
        ),
    ),
    "adfs/response-2017.xml": (
        MappedIdentity("paul@spstest2.com", "paul", "fraley", "NameID"),
        MappingConfig(
            use_default=False, username_attribute=None, first_name_attribute=CLAIM_SURNAME
        ),
        MappedIdentity("paul@spstest2.com", "fraley", "fraley", "NameID"),
    ),
    "google-workspace/response-2016.xml": (
        MappedIdentity("ross@octolabs.io", "Ross", "Kinder", "NameID"),
        MappingConfig(
            use_default=False, first_name_attribute="lastName", last_name_attribute="firstName"
        ),
        MappedIdentity("ross@octolabs.io", "Kinder", "Ross", "NameID"),
    ),
    "okta/response-2016.xml": (
        MappedIdentity("russellhaering", None, None, "NameID"),
        MappingConfig(use_default=False, username_attribute="username"),
        MappedIdentity("russell.haering@scaleft.com", None, None, "username"),
    ),
    "onelogin/response-2016.xml": (
        MappedIdentity("ross@kndr.org", "Ross", "Kinder", "NameID"),
        MappingConfig(
            use_default=False,
            username_attribute="User.email",
            first_name_attribute="User.FirstName",
            last_name_attribute="User.LastName",
        ),
        MappedIdentity("ross@kndr.org", "Ross", "Kinder", "User.email"),
    ),
}


def test_every_sample_response_is_covered():
    """Each sample response is mapped below, unless its assertion is encrypted for an SP key we do not have."""
    files = {
        str(p.relative_to(SAMPLES))
        for p in SAMPLES.glob("*/*.xml")
        if "response" in p.name or "assertion" in p.name
    }
    encrypted = {f for f in files if b"EncryptedAssertion" in (SAMPLES / f).read_bytes()}
    assert files - encrypted == set(EXPECTED)
    assert encrypted == {
        "okta/response-2020-signed-encrypted-assertion.xml",
        "shibboleth-idp/artifact-response-2021.xml",
    }


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_default_mapping_of_sample(sample):
    """The default mapping takes the NameID and finds names under the claim URI, the OID or the plain name."""
    name_id, attributes = read_assertion(SAMPLES / sample)
    assert map_identity(name_id, attributes, DEFAULT) == EXPECTED[sample][0]


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_custom_mapping_of_sample(sample):
    """A custom mapping reads the attributes the administrator names."""
    name_id, attributes = read_assertion(SAMPLES / sample)
    _default, config, expected = EXPECTED[sample]
    assert map_identity(name_id, attributes, config) == expected


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_missing_username_attribute_lists_received_names(sample):
    """A username attribute the IdP does not send is refused with the attribute names that did arrive."""
    name_id, attributes = read_assertion(SAMPLES / sample)
    config = MappingConfig(
        use_default=False, username_attribute="urn:oid:0.9.2342.19200300.100.1.1"
    )
    with pytest.raises(MappingUsernameAttributeMissing) as info:
        map_identity(name_id, attributes, config)
    assert info.value.code == "sso.mapping_username_attribute_missing"
    assert info.value.received == tuple(attributes)
    for name in list(attributes)[:5]:
        assert name in info.value.message
    assert "urn:oid:0.9.2342.19200300.100.1.1" in info.value.message


def test_oid_names_are_the_first_fallback():
    """Shibboleth-style OIDs are used when the claim URIs are absent, before plain names."""
    attrs = {
        "urn:oid:2.5.4.42": ("Ada",),
        "urn:oid:2.5.4.4": ("Lovelace",),
        "firstName": ("X",),
        "lastName": ("Y",),
    }
    assert map_identity("ada", attrs, DEFAULT) == MappedIdentity("ada", "Ada", "Lovelace", "NameID")


def test_claim_uris_win_over_oids():
    attrs = {CLAIM_GIVENNAME: ("Grace",), CLAIM_SURNAME: ("Hopper",), "urn:oid:2.5.4.42": ("X",)}
    assert map_identity("grace", attrs, DEFAULT).first_name == "Grace"


def test_given_name_and_sn_are_understood():
    result = map_identity("al", {"givenName": ("Alan",), "sn": ("Turing",)}, DEFAULT)
    assert (result.first_name, result.last_name) == ("Alan", "Turing")


def test_default_ignores_configured_attributes():
    """With "Use default mapping" on, attribute fields have no effect."""
    config = MappingConfig(use_default=True, username_attribute="mail")
    assert map_identity("n@x", {"mail": ("m@x",)}, config).username == "n@x"


def test_missing_name_id_is_refused():
    with pytest.raises(MappingNameIDMissing) as info:
        map_identity("  ", {"mail": ("m@x",)}, DEFAULT)
    assert "mail" in info.value.message and info.value.code == "sso.mapping_name_id_missing"


def test_empty_values_count_as_missing():
    """An attribute present with only empty values does not produce an empty username."""
    config = MappingConfig(use_default=False, username_attribute="mail")
    with pytest.raises(MappingUsernameAttributeMissing):
        map_identity("n", {"mail": ("", None)}, config)


def test_first_non_empty_value_of_multivalued_attribute():
    config = MappingConfig(use_default=False, username_attribute="mail")
    assert map_identity("n", {"mail": ("", "a@x", "b@x")}, config).username == "a@x"


def test_username_with_spaces_is_refused():
    with pytest.raises(MappingUsernameInvalid):
        map_identity("John Smith", {}, DEFAULT)


def test_names_are_trimmed_and_capped_but_the_username_is_taken_as_signed():
    result = map_identity("a@x", {CLAIM_GIVENNAME: (" " + "N" * 300,)}, DEFAULT)
    assert result.username == "a@x" and len(result.first_name) == 150
    with pytest.raises(MappingUsernameInvalid, match="U\\+0020 SPACE"):
        map_identity(" a@x ", {}, DEFAULT)


def test_map_assertion_accepts_the_core_assertion_shape():
    class Stub:
        name_id = "u@x"
        attributes = {CLAIM_SURNAME: ("Doe",)}

    assert map_assertion(Stub(), DEFAULT) == MappedIdentity("u@x", None, "Doe", "NameID")


def test_mapping_module_does_not_import_django():
    """The mapping is pure: a fresh interpreter imports it (and its errors) without loading Django."""
    import subprocess
    import sys

    script = (
        "import sys, ssoconsole.sso.mapping\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django']\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
