"""Validate emitted XML against the OASIS SAML 2.0 schemas, loaded offline.

The XSD files come from a package, not from this repository: pysaml2 (a test
dependency, also used for the interoperability test) ships the OASIS SAML 2.0
schemas together with the W3C XML-DSig, XML-Enc and xml.xsd schemas they
import. The OASIS files import the W3C ones by their http:// URLs, so a
resolver maps every import to the packaged file by name; the network is never
used. Debian's ``opensaml-schemas`` + ``xmltooling-schemas`` are a fallback.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import pytest
from lxml import etree

_DEBIAN_DIRS = (Path("/usr/share/xml/opensaml"), Path("/usr/share/xml/xmltooling"))


def _schema_dirs() -> list[Path]:
    dirs = []
    spec = importlib.util.find_spec("saml2")  # locates pysaml2 without importing it
    if spec is not None and spec.origin:
        dirs.append(Path(spec.origin).parent / "data" / "schemas")
    dirs.extend(_DEBIAN_DIRS)
    return [d for d in dirs if d.is_dir()]


class _ByFileName(etree.Resolver):
    """Resolve schema imports to the packaged copy with the same file name."""

    def __init__(self, dirs: list[Path]) -> None:
        super().__init__()
        self.dirs = dirs

    def resolve(self, url, pubid, context):  # noqa: D102 - lxml callback
        name = (url or "").rsplit("/", 1)[-1]
        for d in self.dirs:
            if (d / name).is_file():
                return self.resolve_filename(str(d / name), context)
        return None


@functools.cache
def schema(file_name: str) -> etree.XMLSchema:
    """Return the compiled OASIS schema ``file_name`` (e.g. saml-schema-metadata-2.0.xsd)."""
    dirs = _schema_dirs()
    found = [d / file_name for d in dirs if (d / file_name).is_file()]
    if not found:
        pytest.fail(
            f"{file_name} not found: install pysaml2 (pip) or opensaml-schemas (Debian); ./run test does"
        )
    parser = etree.XMLParser(no_network=True, load_dtd=True, resolve_entities=True)
    parser.resolvers.add(_ByFileName(dirs))
    return etree.XMLSchema(etree.parse(str(found[0]), parser))


def assert_schema_valid(xml: bytes, file_name: str) -> None:
    """Fail with the schema's error log unless ``xml`` is valid."""
    validator = schema(file_name)
    document = etree.fromstring(xml)
    if not validator.validate(document):
        pytest.fail(f"not valid against {file_name}:\n{validator.error_log}")


METADATA_XSD = "saml-schema-metadata-2.0.xsd"
PROTOCOL_XSD = "saml-schema-protocol-2.0.xsd"
