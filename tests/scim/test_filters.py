"""The filter parser: RFC 7644 precedence, Entra ID's value-path form, and its bounds."""

from __future__ import annotations

import pytest

from ssoconsole.scim.errors import ScimError
from ssoconsole.scim.filters import (
    And,
    AttrPath,
    Compare,
    Not,
    Or,
    ValuePath,
    matches,
    parse_filter,
)


def test_and_binds_tighter_than_or():
    tree = parse_filter('a eq "1" or b eq "2" and c eq "3"')
    assert isinstance(tree, Or) and isinstance(tree.right, And)


def test_operators_and_keywords_are_case_insensitive():
    tree = parse_filter('userName EQ "x" AND NOT (active Eq FALSE)')
    assert tree == And(
        Compare(AttrPath(None, "userName"), "eq", "x"),
        Not(Compare(AttrPath(None, "active"), "eq", False)),
    )


def test_entra_value_path_with_sub_attribute_reads_as_a_conjunction():
    tree = parse_filter('emails[type eq "work"].value eq "a@b.example"')
    assert tree == ValuePath(
        AttrPath(None, "emails"),
        And(
            Compare(AttrPath(None, "type"), "eq", "work"),
            Compare(AttrPath(None, "value"), "eq", "a@b.example"),
        ),
    )


def test_extension_attribute_keeps_its_urn():
    tree = parse_filter(
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"'
    )
    assert tree.path == AttrPath(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "employeeNumber"
    )


def test_strings_use_json_escapes():
    assert parse_filter(r'userName eq "a\"b\u0041"').value == 'a"bA'


@pytest.mark.parametrize(
    "text",
    [
        "",
        "userName",
        'userName eq "a" and',
        'a[b[c eq "1"]]',
        'not userName eq "a"',
        '"x" eq userName',
    ],
)
def test_malformed_filters_are_refused_with_invalidFilter(text):
    with pytest.raises(ScimError) as caught:
        parse_filter(text)
    assert caught.value.scim_type == "invalidFilter"


def test_in_memory_matching_of_one_element_ignores_case():
    node = parse_filter('x[type eq "WORK" and value sw "ann"]').filter
    assert matches(node, {"Type": "work", "value": "Ann@x.example"})
    assert not matches(node, {"type": "home", "value": "ann@x.example"})
