"""The SCIM filter language (RFC 7644 section 3.4.2.2), parsed into a small tree.

The tree is translated elsewhere: to database conditions for lists
(``ssoconsole.scim.queries``) and to a predicate over one multi-valued
attribute's elements for PATCH paths (``ssoconsole.scim.paths``). Parsing is
bounded (length, number of comparisons, nesting) because the filter comes
from whoever holds a token.

Entra ID also sends ``emails[type eq "work"].value eq "x"``, a value path
followed by a sub-attribute and a comparison; it is read as
``emails[type eq "work" and value eq "x"]``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ssoconsole.scim.errors import ScimError

MAX_FILTER_LENGTH = 1000
MAX_COMPARISONS = 20
MAX_DEPTH = 8

COMPARE_OPS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"})
_ATTR_RE = re.compile(
    r"^(?:(?P<urn>urn:[A-Za-z0-9.:_-]+):)?(?P<attr>[A-Za-z$][\w$-]*)(?:\.(?P<sub>[A-Za-z$][\w$-]*))?$"
)
_TOKEN_RE = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<punct>[()\[\]])|(?P<word>[^\s()\[\]"]+))'
)


@dataclass(frozen=True)
class AttrPath:
    """``[urn:]attr[.sub]``; ``urn`` is kept as written (compared case-insensitively)."""

    urn: str | None
    attr: str
    sub: str | None = None

    def dotted(self) -> str:
        """Return ``attr`` or ``attr.sub`` lower-cased, for lookups."""
        return (self.attr + ("." + self.sub if self.sub else "")).lower()


@dataclass(frozen=True)
class Compare:
    path: AttrPath
    op: str  # one of COMPARE_OPS, or "pr"
    value: object = None


@dataclass(frozen=True)
class And:
    left: object
    right: object


@dataclass(frozen=True)
class Or:
    left: object
    right: object


@dataclass(frozen=True)
class Not:
    inner: object


@dataclass(frozen=True)
class ValuePath:
    """``attr[filter]``: some element of the multi-valued ``attr`` satisfies ``filter``."""

    path: AttrPath
    filter: object


def invalid(detail: str) -> ScimError:
    return ScimError("scim.invalid_filter", detail)


def parse_attr_path(text: str) -> AttrPath:
    match = _ATTR_RE.match(text)
    if not match:
        raise invalid(
            f"“{text[:60]}” is not an attribute name; write it like userName, name.givenName or "
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department."
        )
    return AttrPath(match["urn"], match["attr"], match["sub"])


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            raise invalid(f"The filter cannot be read near “{text[pos : pos + 20]}”.")
        pos = match.end()
        kind = match.lastgroup
        tokens.append((kind, match[kind]))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.comparisons = 0

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise invalid(
                "The filter ends too early: a comparison or a closing bracket is missing."
            )
        self.pos += 1
        return token

    def keyword(self, token, *words) -> bool:
        return token is not None and token[0] == "word" and token[1].lower() in words

    def parse(self, depth: int = 0, inside_brackets: bool = False):
        if depth > MAX_DEPTH:
            raise ScimError(
                "scim.filter_too_complex",
                f"The filter nests more than {MAX_DEPTH} levels of brackets; simplify it.",
            )
        node = self.parse_and(depth, inside_brackets)
        while self.keyword(self.peek(), "or"):
            self.take()
            node = Or(node, self.parse_and(depth, inside_brackets))
        return node

    def parse_and(self, depth: int, inside_brackets: bool):
        node = self.parse_unary(depth, inside_brackets)
        while self.keyword(self.peek(), "and"):
            self.take()
            node = And(node, self.parse_unary(depth, inside_brackets))
        return node

    def parse_unary(self, depth: int, inside_brackets: bool):
        token = self.peek()
        if self.keyword(token, "not"):
            self.take()
            if self.peek() != ("punct", "("):
                raise invalid("“not” must be followed by a filter in brackets: not (…).")
            return Not(self.parse_unary(depth + 1, inside_brackets))
        if token == ("punct", "("):
            self.take()
            node = self.parse(depth + 1, inside_brackets)
            if self.take() != ("punct", ")"):
                raise invalid("A “(” of the filter is not closed by “)”.")
            return node
        return self.parse_comparison(depth, inside_brackets)

    def parse_comparison(self, depth: int, inside_brackets: bool):
        kind, text = self.take()
        if kind != "word":
            raise invalid(f"An attribute name was expected where the filter has “{text}”.")
        path = parse_attr_path(text)
        if self.peek() == ("punct", "["):
            if inside_brackets:
                raise invalid("A filter in brackets cannot contain another one.")
            self.take()
            inner = self.parse(depth + 1, inside_brackets=True)
            if self.take() != ("punct", "]"):
                raise invalid("A “[” of the filter is not closed by “]”.")
            follow = self.peek()
            if follow is not None and follow[0] == "word" and follow[1].startswith("."):
                self.take()
                sub = parse_attr_path(follow[1][1:])
                inner = And(inner, self.parse_operator(AttrPath(None, sub.attr)))
            return ValuePath(path, inner)
        return self.parse_operator(path)

    def parse_operator(self, path: AttrPath):
        kind, op = self.take()
        op = op.lower()
        self.comparisons += 1
        if self.comparisons > MAX_COMPARISONS:
            raise ScimError(
                "scim.filter_too_complex",
                f"The filter has more than {MAX_COMPARISONS} comparisons; split the query.",
            )
        if kind == "word" and op == "pr":
            return Compare(path, "pr")
        if kind != "word" or op not in COMPARE_OPS:
            raise invalid(
                f"“{op[:20]}” is not a SCIM comparison; use eq, ne, co, sw, ew, gt, ge, lt, le or pr."
            )
        kind, raw = self.take()
        return Compare(path, op, _literal(kind, raw))


def _literal(kind: str, raw: str):
    if kind == "str":
        try:
            return json.loads(raw)
        except ValueError:
            raise invalid(f"The string {raw[:40]} has an invalid escape.") from None
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid(
            f'“{raw[:40]}” is not a value: put strings in double quotes, like userName eq "ann".'
        ) from None


def parse_filter(text: str):
    """Return the tree of ``text``, or raise a ``scim.invalid_filter`` / ``scim.filter_too_complex`` error."""
    if len(text) > MAX_FILTER_LENGTH:
        raise ScimError(
            "scim.filter_too_complex",
            f"The filter is longer than {MAX_FILTER_LENGTH} characters; split the query.",
        )
    parser = _Parser(tokenize(text))
    if not parser.tokens:
        raise invalid("The filter is empty; leave the parameter out to list everything.")
    node = parser.parse()
    if parser.peek() is not None:
        raise invalid(f"The filter has unexpected text from “{parser.peek()[1][:20]}”.")
    return node


def parse_value_filter(text: str):
    """Parse the part between brackets of a PATCH path (same language, no nested brackets)."""
    parser = _Parser(tokenize(text))
    if not parser.tokens:
        raise invalid("The brackets of the path are empty; put a filter in them.")
    node = parser.parse(inside_brackets=True)
    if parser.peek() is not None:
        raise invalid(f"The path's filter has unexpected text from “{parser.peek()[1][:20]}”.")
    return node


def matches(node, element: dict) -> bool:
    """Tell whether one element of a multi-valued complex attribute satisfies ``node``.

    Strings compare case-insensitively: the sub-attributes that PATCH filters
    name in practice (``type``, ``value`` of e-mails and members) are not
    case-exact, and member ids are lower-case UUIDs anyway.
    """
    if isinstance(node, And):
        return matches(node.left, element) and matches(node.right, element)
    if isinstance(node, Or):
        return matches(node.left, element) or matches(node.right, element)
    if isinstance(node, Not):
        return not matches(node.inner, element)
    if isinstance(node, ValuePath):
        raise invalid("A filter in brackets cannot contain another one.")
    key = node.path.attr.lower()
    actual = next((v for k, v in element.items() if k.lower() == key), None)
    if node.op == "pr":
        return actual not in (None, "", [], {})
    expected = node.value
    if isinstance(actual, str) and isinstance(expected, str):
        actual, expected = actual.lower(), expected.lower()
    if node.op == "eq":
        return actual == expected
    if node.op == "ne":
        return actual != expected
    if not isinstance(actual, str) or not isinstance(expected, str):
        if node.op in ("gt", "ge", "lt", "le") and isinstance(actual, (int, float)):
            return _order(node.op, actual, expected)
        return False
    if node.op == "co":
        return expected in actual
    if node.op == "sw":
        return actual.startswith(expected)
    if node.op == "ew":
        return actual.endswith(expected)
    return _order(node.op, actual, expected)


def _order(op: str, actual, expected) -> bool:
    try:
        return {
            "gt": actual > expected,
            "ge": actual >= expected,
            "lt": actual < expected,
            "le": actual <= expected,
        }[op]
    except TypeError:
        return False
