"""What the dev IdP emits, built with a fixed clock and counter IDs, against the OASIS schemas.

The schemas come from pysaml2's package data (a test dependency); imports are
resolved to those files by name, never over the network.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import itertools
from pathlib import Path

import pytest
from lxml import etree

from devidp.saml_client import NS, parse, verify_with_signxml
from ssoconsole.devidp import certificates
from ssoconsole.devidp.metadata import build_metadata
from ssoconsole.devidp.response import ResponseParams, Subject, build_response, sign_response

NOW = dt.datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=dt.UTC)


class _ByName(etree.Resolver):
    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder

    def resolve(self, url, pubid, context):  # noqa: D102 - lxml callback
        candidate = self.folder / (url or "").rsplit("/", 1)[-1]
        return self.resolve_filename(str(candidate), context) if candidate.is_file() else None


@functools.cache
def _schema(name: str) -> etree.XMLSchema:
    spec = importlib.util.find_spec("saml2")
    assert spec and spec.origin, "pysaml2 (a test dependency) provides the OASIS schemas"
    folder = Path(spec.origin).parent / "data" / "schemas"
    parser = etree.XMLParser(no_network=True, load_dtd=True)
    parser.resolvers.add(_ByName(folder))
    return etree.XMLSchema(etree.parse(str(folder / name), parser))


@functools.cache
def _keys() -> certificates.CertificateAndKey:
    return certificates.generate(NOW)


def _params(**overrides) -> ResponseParams:
    values = dict(
        idp_entity_id="https://idp.example.test/devidp/t/",
        tenant_id="t",
        acs_url="https://sp.example.test/acs",
        audience="https://sp.example.test/entity",
        in_response_to="req-1",
        subject=Subject("a@x.example", "oid-1", "A X", "A", "X", ""),
        name_id_format=None,
        authn_instant=NOW - dt.timedelta(minutes=3),
        session_index="_session-1",
        session_not_on_or_after=NOW + dt.timedelta(hours=8),
    )
    values.update(overrides)
    return ResponseParams(**values)


def _counter():
    numbers = itertools.count(1)
    return lambda: f"_id-{next(numbers)}"


def test_times_and_ids_come_from_the_parameters():
    response = build_response(_params(), now=NOW, new_id=_counter())
    assertion = response.find("saml:Assertion", NS)
    assert (response.get("ID"), assertion.get("ID")) == ("_id-1", "_id-2")
    assert (
        response.get("IssueInstant") == assertion.get("IssueInstant") == "2026-03-01T12:00:00.250Z"
    )
    assert assertion.find("saml:Conditions", NS).attrib == {
        "NotBefore": "2026-03-01T12:00:00.250Z",
        "NotOnOrAfter": "2026-03-01T13:00:00.250Z",
    }
    authn = assertion.find("saml:AuthnStatement", NS)
    assert authn.get("AuthnInstant") == "2026-03-01T11:57:00.250Z"
    assert authn.get("SessionNotOnOrAfter") == "2026-03-01T20:00:00.250Z"


def test_empty_claims_are_left_out_like_entra():
    response = build_response(_params(), now=NOW, new_id=_counter())
    names = [a.get("Name") for a in response.iterfind(".//saml:Attribute", NS)]
    assert "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress" not in names
    assert len(names) == 8


@pytest.mark.parametrize("option", ["assertion", "response", "both"])
def test_signed_responses_are_schema_valid(option):
    keys = _keys()
    xml = sign_response(
        build_response(_params(), now=NOW, new_id=_counter()),
        option=option,
        key_pem=keys.private_key_pem,
        cert_pem=keys.certificate_pem,
        algorithm="sha256",
    )
    root = parse(xml)
    schema = _schema("saml-schema-protocol-2.0.xsd")
    assert schema.validate(root), schema.error_log
    target = root if option != "assertion" else root.find("saml:Assertion", NS)
    verify_with_signxml(target, keys.certificate_pem)


def test_metadata_idp_descriptor_is_schema_valid():
    keys = _keys()
    document = build_metadata(
        entity_id="https://idp.example.test/devidp/t/",
        sso_url="https://idp.example.test/devidp/t/saml2",
        certificates=[keys.certificate_pem],
        signing_key_pem=keys.private_key_pem,
        signing_cert_pem=keys.certificate_pem,
        now=NOW,
        new_id=_counter(),
    )
    root = parse(document[3:])
    verify_with_signxml(root, keys.certificate_pem)
    # The WS-Federation RoleDescriptor's type lives in a schema the OASIS set does not include.
    root.remove(root.find("md:RoleDescriptor", NS))
    schema = _schema("saml-schema-metadata-2.0.xsd")
    assert schema.validate(root), schema.error_log
