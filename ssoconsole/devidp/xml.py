"""The dev IdP's one parser for untrusted XML.

Hardened on its own, not borrowed from the SP: no DTD (a DOCTYPE is refused
outright, which also stops entity expansion), no external entities, no
network, no huge trees, and a size cap before parsing starts.
"""

from __future__ import annotations

from lxml import etree

MAX_XML_BYTES = 256 * 1024


class UnsafeXml(ValueError):
    """The document is too large, not XML, or uses DTD features."""


def parse_untrusted(data: bytes) -> etree._Element:
    """Parse ``data`` and return its root element, refusing anything but plain XML."""
    if len(data) > MAX_XML_BYTES:
        raise UnsafeXml(f"The document is larger than {MAX_XML_BYTES} bytes.")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"The document is not well-formed XML ({exc.msg}).") from None
    if root is None:
        raise UnsafeXml("The document is empty.")
    if root.getroottree().docinfo.doctype:
        raise UnsafeXml("The document has a DOCTYPE; DTDs are not accepted.")
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise UnsafeXml("The document uses entities.")
    return root
