"""Property tests (hypothesis) of the SAML core's untrusted-input entry points.

For any bytes, and for any mutation of a valid signed response or of real
IdP metadata, the response decoder, the XML hardening, the metadata parser
and the redirect decoder return or raise the project's ``SAMLError``, never
another exception, and each call finishes within a deadline. The same
targets run under atheris in CI (``fuzz/atheris_saml.py``).
"""

from __future__ import annotations

from datetime import timedelta

import fuzz_targets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SEEDS = fuzz_targets.seeds()
FUZZ = settings(
    max_examples=150,
    deadline=timedelta(seconds=3),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples on every run: CI failures reproduce
)


@st.composite
def mutated(draw) -> bytes:
    """A seed with a few bytes replaced, inserted or removed, or a slice of it."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        kind = draw(st.sampled_from(["replace", "insert", "delete", "cut", "repeat"]))
        chunk = draw(st.binary(min_size=1, max_size=16))
        if kind == "replace":
            data[at : at + len(chunk)] = chunk
        elif kind == "insert":
            data[at:at] = chunk
        elif kind == "delete":
            del data[at : at + len(chunk)]
        elif kind == "cut":
            data = data[:at]
        else:
            data[at:at] = data[at : at + 64] * draw(st.integers(2, 50))
    return bytes(data)


XML_TOKENS = st.sampled_from(
    [
        b"<",
        b">",
        b"</",
        b"/>",
        b"<!DOCTYPE x [<!ENTITY e 'v'>]>",
        b"&e;",
        b"<?xml version='1.0'?>",
        b"<!--c-->",
        b"<![CDATA[x]]>",
        b"xmlns='urn:oasis:names:tc:SAML:2.0:protocol'",
        b"samlp:Response",
        b"saml:Assertion",
        b"ds:Signature",
        b" ID='_1' ",
        b"\x00",
        b"\xff\xfe",
        b"&#x0;",
        b"a" * 100,
    ]
)
xml_like = st.lists(XML_TOKENS, max_size=40).map(b"".join)
anything = st.one_of(st.binary(max_size=4096), mutated(), xml_like)


@FUZZ
@given(anything)
def test_the_response_decoder_raises_only_saml_errors(data):
    fuzz_targets.run("response_xml", data)


@FUZZ
@given(st.one_of(st.binary(max_size=2048), st.text(max_size=2048).map(str.encode)))
def test_the_posted_field_raises_only_saml_errors(data):
    fuzz_targets.run("response_field", data)


@FUZZ
@given(anything)
def test_the_xml_hardening_raises_only_saml_errors(data):
    fuzz_targets.run("xml", data)


@FUZZ
@given(anything)
def test_the_metadata_parser_raises_only_saml_errors(data):
    fuzz_targets.run("metadata", data)


@FUZZ
@given(st.binary(max_size=2048))
def test_the_redirect_decoder_raises_only_saml_errors(data):
    fuzz_targets.run("redirect", data)


def test_the_targets_accept_their_valid_seeds():
    """The control: a valid signed response validates, so the properties above exercise real paths."""
    fuzz_targets.response_xml(SEEDS[0])
    fuzz_targets.xml(SEEDS[0])
