"""The one place where untrusted XML is parsed.

Every document that arrives from outside (responses, IdP metadata) goes
through :func:`parse_untrusted`. It refuses what the classic XML attacks need:
document type declarations (and with them every entity, internal or
external), network access, oversized input and deep nesting. Keeping this in a
single function means a single set of tests covers every entry point.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from lxml import etree

from .errors import (  # noqa: F401 - the classes moved to the registry; re-exported
    SAMLError,
    XMLForbiddenConstruct,
    XMLMalformed,
    XMLTooDeep,
    XMLTooLarge,
)

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "xenc": "http://www.w3.org/2001/04/xmlenc#",
    "xenc11": "http://www.w3.org/2009/xmlenc11#",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}

DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_DEPTH = 64


_local = threading.local()


def _parser() -> etree.XMLParser:
    """Return this thread's hardened parser.

    lxml parsers keep state and are not thread-safe, so each thread gets its
    own; reusing it within a thread saves building one per document.
    """
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = _new_parser()
    return parser


def _new_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
        remove_pis=False,
        collect_ids=False,
    )


def parse_untrusted(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> etree._Element:
    """Parse untrusted bytes into an element tree, refusing dangerous constructs.

    Raise :class:`XMLTooLarge` before parsing when ``data`` exceeds
    ``max_bytes``, :class:`XMLForbiddenConstruct` for any DTD, entity
    declaration or entity reference, :class:`XMLTooDeep` beyond ``max_depth``
    levels and :class:`XMLMalformed` for anything that is not XML.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise XMLMalformed("Expected bytes.", expected="bytes", actual=type(data).__name__)
    if len(data) > max_bytes:
        raise XMLTooLarge(expected=f"at most {max_bytes} bytes", actual=f"{len(data)} bytes")
    try:
        root = etree.fromstring(bytes(data), parser=_parser())
    except etree.XMLSyntaxError as exc:
        if _declares_doctype(data):
            # libxml2 may fail on the DTD itself (a refused network load, an
            # entity amplification limit) before the check below can run.
            raise XMLForbiddenConstruct(
                "The document has a document type declaration (DTD)."
            ) from None
        raise XMLMalformed(f"The document is not well-formed XML: {exc.msg}.") from None
    except ValueError as exc:  # e.g. an encoding declaration lxml refuses
        raise XMLMalformed(f"The document could not be decoded: {exc}.") from None
    if root is None:
        raise XMLMalformed("The document is empty.")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XMLForbiddenConstruct("The document has a document type declaration (DTD).")
    _check_tree(root, max_depth)
    return root


def parse_canonical(data: bytes) -> etree._Element:
    """Parse exclusive-C14N bytes that this process serialized from a tree :func:`parse_untrusted` accepted.

    Only :mod:`ssoconsole.saml.xmldsig` calls this, on the canonical bytes
    whose digest it has just verified. Skipping the DTD, entity and depth
    checks here is not a loosening: Canonical XML (C14N 1.0 section 1.1 and
    2.1, which exclusive C14N inherits) never emits a document type
    declaration and replaces every entity reference by its value, so there is
    nothing of the kind to find; and the canonical form of a subtree nests
    exactly as deep as that subtree, which already passed the depth check
    when the posted document was parsed (libxml2's own nesting limit, 256
    levels without ``huge_tree``, still applies on top). The parser is the
    same hardened one, so no DTD, entity or network access is possible
    either way.
    """
    try:
        root = etree.fromstring(data, parser=_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:  # cannot happen for C14N output; fail closed
        raise XMLMalformed(f"The signed content could not be parsed: {exc}.") from None
    if root is None:
        raise XMLMalformed("The signed content is empty.")
    return root


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)


def _declares_doctype(data: bytes) -> bool:
    """Tell whether the bytes contain a DOCTYPE, in any encoding libxml2 detects by itself."""
    data = bytes(data)
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return "<!DOCTYPE" in data.decode(codec, "ignore")
    return b"<!DOCTYPE" in data


def _check_tree(root: etree._Element, max_depth: int) -> None:
    """Refuse entity references anywhere and nesting deeper than ``max_depth``.

    Both checks run inside libxml2 (an iterator filtered by node type and a
    compiled XPath that looks for any element one level too deep), so the
    cost stays a few microseconds on a 5 KB response.
    """
    for _entity in root.iter(etree.Entity):
        raise XMLForbiddenConstruct("The document contains an entity reference.")
    if _too_deep(max_depth)(root):
        raise XMLTooDeep(expected=f"at most {max_depth} levels", actual=f"more than {max_depth}")


@lru_cache(maxsize=8)
def _too_deep(max_depth: int) -> etree.XPath:
    # "/*" is the root element (level 1); this selects any element at level max_depth + 1.
    return etree.XPath("boolean(/" + "*/" * max_depth + "*)")
