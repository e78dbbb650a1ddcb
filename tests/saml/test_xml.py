"""The classic XML attack files against ``parse_untrusted``, the one parser of untrusted XML."""

from __future__ import annotations

import pytest

from ssoconsole.saml.xml import (
    XMLForbiddenConstruct,
    XMLMalformed,
    XMLTooDeep,
    XMLTooLarge,
    parse_untrusted,
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<lolz>&lol5;</lolz>"""

QUADRATIC_BLOWUP = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "'
    + b"x" * 5000
    + b'">]><r>'
    + b"&a;" * 200
    + b"</r>"
)

XXE_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<r>&xxe;</r>"""

XXE_NETWORK = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/secret">]>
<r>&xxe;</r>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">
<r/>"""

PUBLIC_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE r PUBLIC "-//OASIS//DTD x//EN" "http://127.0.0.1:9/evil.dtd">
<r/>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>
<r/>"""

INTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY name "admin">]>
<r>&name;</r>"""

XINCLUDE = b"""<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></r>"""


@pytest.mark.parametrize(
    "document",
    [
        BILLION_LAUGHS,
        QUADRATIC_BLOWUP,
        XXE_FILE,
        XXE_NETWORK,
        EXTERNAL_DTD,
        PUBLIC_DTD,
        PARAMETER_ENTITY,
        INTERNAL_ENTITY,
    ],
    ids=[
        "billion-laughs",
        "quadratic-blowup",
        "xxe-file",
        "xxe-network",
        "external-dtd",
        "public-dtd",
        "parameter-entity",
        "internal-entity",
    ],
)
def test_document_type_declarations_are_forbidden(document):
    """Any DTD is refused, which takes every entity attack with it."""
    with pytest.raises(XMLForbiddenConstruct) as info:
        parse_untrusted(document)
    assert info.value.code == "saml.xml_forbidden"


def test_external_entity_content_never_reaches_the_tree():
    """Even before the DTD check, no file content is substituted into the text."""
    with pytest.raises(XMLForbiddenConstruct):
        parse_untrusted(XXE_FILE)


def test_xinclude_is_not_processed():
    """XInclude elements stay inert elements: nothing is fetched or inlined."""
    root = parse_untrusted(XINCLUDE)
    assert "root:" not in "".join(root.itertext())
    assert root[0].tag == "{http://www.w3.org/2001/XInclude}include"


def test_oversized_input_is_refused_before_parsing():
    """A document over the cap is refused by length, even if it is not XML at all."""
    with pytest.raises(XMLTooLarge):
        parse_untrusted(b"\xff" * 1025, max_bytes=1024)


def test_document_at_the_size_cap_is_parsed():
    """The cap is inclusive: exactly max_bytes is still accepted."""
    document = b"<r>" + b"x" * (1024 - 7) + b"</r>"
    assert len(document) == 1024
    assert parse_untrusted(document, max_bytes=1024).tag == "r"


def test_deep_nesting_is_refused():
    """Nesting beyond max_depth is refused (deep trees exhaust recursive consumers)."""
    with pytest.raises(XMLTooDeep):
        parse_untrusted(b"<a>" * 65 + b"</a>" * 65, max_depth=64)


def test_nesting_at_the_limit_is_accepted():
    """Exactly max_depth levels, the root counting as one, is accepted."""
    assert parse_untrusted(b"<a>" * 64 + b"</a>" * 64, max_depth=64).tag == "a"


def test_very_deep_nesting_fails_cleanly():
    """Nesting far beyond libxml2's own limit is refused, never a crash."""
    with pytest.raises((XMLTooDeep, XMLMalformed)):
        parse_untrusted(b"<a>" * 100_000 + b"</a>" * 100_000, max_bytes=10**6)


@pytest.mark.parametrize(
    "document",
    [b"", b"not xml", b"<a><b></a>", b"\x00\x01", b"<a/><b/>", b'{"json": true}'],
    ids=["empty", "text", "unbalanced", "binary", "two-roots", "json"],
)
def test_non_xml_is_malformed(document):
    """Anything that is not one well-formed document is XMLMalformed."""
    with pytest.raises(XMLMalformed):
        parse_untrusted(document)


def test_text_instead_of_bytes_is_refused():
    """Only bytes are parsed, so encoding is decided by the XML declaration alone."""
    with pytest.raises(XMLMalformed):
        parse_untrusted("<a/>")


def test_utf16_document_with_bom_is_read_as_utf16():
    """A UTF-16 document is decoded by its byte order mark, not misread as UTF-8."""
    root = parse_untrusted('<?xml version="1.0" encoding="UTF-16"?><a>é</a>'.encode("utf-16"))
    assert root.text == "é"


def test_utf16_dtd_is_still_forbidden():
    """Re-encoding an attack as UTF-16 does not hide its DTD."""
    with pytest.raises(XMLForbiddenConstruct):
        parse_untrusted(
            INTERNAL_ENTITY.replace(
                b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>'
            )
            .decode()
            .encode("utf-16")
        )


def test_utf7_encoded_dtd_is_not_interpreted():
    """A UTF-7 declaration cannot smuggle a DTD past byte-level filters: refused or inert."""
    utf7 = b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE r +AFs-+ADw-!ENTITY x SYSTEM +ACI-file:///etc/passwd+ACI-+AD4-+AF0-+AD4-+ADw-r+AD4-+ACY-x;+ADw-/r+AD4-'
    try:
        root = parse_untrusted(utf7)
    except (XMLMalformed, XMLForbiddenConstruct):
        return
    assert "root:" not in "".join(root.itertext())


def test_utf8_byte_order_mark_is_accepted():
    """Entra's federation metadata may start with a UTF-8 BOM; that is not an attack."""
    assert parse_untrusted(b"\xef\xbb\xbf<a>x</a>").text == "x"


def test_comments_and_processing_instructions_are_kept_for_the_signature_check():
    """The parser keeps comments: canonicalization, not parsing, decides what is signed."""
    root = parse_untrusted(b"<a>x<!-- c -->y</a>")
    assert [node.text for node in root] == [" c "]


def test_local_external_dtd_is_forbidden_and_not_read():
    """A SYSTEM identifier naming a local file is refused like any DTD."""
    with pytest.raises(XMLForbiddenConstruct):
        parse_untrusted(b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>')


def test_canonical_bytes_parse_without_the_untrusted_checks_but_fail_closed():
    """parse_canonical reads C14N output; anything that is not XML is still refused."""
    from ssoconsole.saml.xml import parse_canonical

    assert parse_canonical(b'<a xmlns="urn:x"><b>t</b></a>').find("{urn:x}b").text == "t"
    with pytest.raises(XMLMalformed):
        parse_canonical(b"<a><b></a>")


def test_canonical_bytes_still_get_no_entities_resolved():
    """The hardened parser is the same: even a DTD smuggled into the bytes cannot expand an entity."""
    from ssoconsole.saml.xml import parse_canonical

    try:
        root = parse_canonical(INTERNAL_ENTITY)
    except (XMLMalformed, XMLForbiddenConstruct):
        return
    assert "admin" not in "".join(root.itertext())
