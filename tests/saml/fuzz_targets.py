"""The SAML core's entry points for untrusted input, as the fuzzers call them (no Django).

``tests/saml/test_fuzz_properties.py`` (hypothesis) and ``fuzz/atheris_saml.py``
(coverage-guided, run for a minute in CI) drive the same functions, and
``tests/saml/test_fuzz_regressions.py`` replays every input kept in
``tests/saml/fuzz_crashes/``. The contract each target checks: whatever
the bytes, the core returns or raises a ``SAMLError`` (the project's refusal
class), never another exception, and within a bounded time.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import signing as s

from ssoconsole.saml.bindings import decode_and_inflate
from ssoconsole.saml.errors import SAMLError
from ssoconsole.saml.metadata import parse_idp_metadata
from ssoconsole.saml.response import validate_response
from ssoconsole.saml.xml import parse_untrusted

_IDP = None


def _idp():
    global _IDP
    if _IDP is None:
        _IDP = s.idp_config()
    return _IDP


def response_xml(data: bytes) -> None:
    """The ACS path: base64 of arbitrary bytes as the posted SAMLResponse, full validation."""
    validate_response(
        base64.b64encode(data).decode("ascii"),
        sp=s.SP,
        idp=_idp(),
        expected=s.expected(),
        now=s.NOW,
    )


def response_field(data: bytes) -> None:
    """The posted form field itself (not valid base64, oversized, odd characters)."""
    validate_response(data.decode("latin-1"), sp=s.SP, idp=_idp(), expected=s.expected(), now=s.NOW)


def xml(data: bytes) -> None:
    """The XML hardening: DTDs, entities, depth and size limits."""
    parse_untrusted(data)


def metadata(data: bytes) -> None:
    """An IdP metadata document, uploaded or fetched."""
    parse_idp_metadata(data, now=s.NOW)


def redirect(data: bytes) -> None:
    """A DEFLATE+base64 HTTP-Redirect parameter."""
    decode_and_inflate(data.decode("latin-1"))


TARGETS: dict[str, Callable[[bytes], None]] = {
    "response_xml": response_xml,
    "response_field": response_field,
    "xml": xml,
    "metadata": metadata,
    "redirect": redirect,
}


def run(target: str, data: bytes) -> None:
    """Call ``target`` with ``data``; let anything but a ``SAMLError`` propagate (that is the bug)."""
    try:
        TARGETS[target](data)
    except SAMLError:
        pass


def seeds() -> list[bytes]:
    """Valid inputs to start mutating from: signed Entra-shaped responses and real IdP metadata."""
    from sp_keys import SAMPLES_DIR

    found = [s.build_response(), s.build_response(name_id="a@b.example\u2003")]
    for path in sorted(SAMPLES_DIR.glob("*/*.xml")):
        if len(found) >= 12:
            break
        found.append(path.read_bytes()[:200_000])
    return found
