"""The one rule every username obeys, wherever it comes from: a form, the API, SCIM or an IdP.

A username is what the login page resolves and what an identity provider's
assertion is matched against, so it must name exactly one account and look
like exactly one thing to the person reading it. The rule therefore refuses
rather than repairs: nothing is trimmed, folded or normalized on the way in.

- no leading or trailing whitespace of any Unicode category (U+2003 EM SPACE
  as much as U+0020): trimming once let an IdP's "support@x<EM SPACE>" sign in
  as the console user "support@x";
- no whitespace inside, no control, format (bidi overrides such as U+202E,
  zero-width U+200B-U+200D, U+2060, U+FEFF, soft hyphen), private-use,
  surrogate or unassigned code point, and none of the invisible "filler"
  letters that Unicode lists as default-ignorable (U+3164 HANGUL FILLER and kin);
- NFKC-stable: a compatibility character (fullwidth ``ｓ`` U+FF53, long s
  ``ſ`` U+017F, ligatures, decomposed accents) is refused with the plain
  spelling to use instead, so two accounts can never differ only by one;
- at most :data:`USERNAME_MAX` characters.

The comparison of two valid usernames ignores letter case only where both
case mappings agree (:func:`same_username`): ``ı`` U+0131 upper-cases to
``I`` but is not ``i``.

Pure Python (no Django): the SAML mapping, the account services and SCIM
call :func:`username_problem` or :func:`check_username` and turn the
problem into their own error class.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

USERNAME_MAX = 254

# Default-ignorable or blank-looking code points that are letters or marks,
# not format characters, so the category test alone would let them through
# (Unicode's DerivedCoreProperties.txt, Default_Ignorable_Code_Point, plus
# U+2800 BRAILLE PATTERN BLANK, which renders as nothing).
_INVISIBLE = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180E, 0x180F]
    + [0x2800, 0x3164, 0xFFA0]
    + list(range(0xFE00, 0xFE10))
    + list(range(0xE0100, 0xE01F0))
)
# Categories never allowed: controls, format (bidi, zero-width), private use,
# surrogates, unassigned, and the separators (spaces, line and paragraph).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zs", "Zl", "Zp"})


@dataclass(frozen=True)
class UsernameProblem:
    """Why a value is not a username: a stable ``code``, the ``reason`` and a sentence that says what to change.

    ``code`` is what API clients branch on (``username_required``,
    ``username_too_long``, ``username_invalid``); ``reason`` tells the kinds
    of ``username_invalid`` apart (``whitespace``, ``invisible_character``,
    ``lookalike``).
    """

    code: str
    message: str
    reason: str = ""


def describe_char(ch: str) -> str:
    """Return ``U+2003 EM SPACE``: how a refusal names an invisible character so a person can find it."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def _is_space(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in {"Zs", "Zl", "Zp"}


def _is_invisible(ch: str) -> bool:
    return ord(ch) in _INVISIBLE or unicodedata.category(ch) in _REFUSED_CATEGORIES


def username_problem(value: object) -> UsernameProblem | None:
    """Return what is wrong with ``value`` as a username, or ``None`` when it may be one.

    Checks run from the most to the least obvious to a person, so the
    sentence names the problem they can see first.
    """
    if not isinstance(value, str) or value == "":
        return UsernameProblem("username_required", "Enter a username.")
    if len(value) > USERNAME_MAX:
        return UsernameProblem(
            "username_too_long",
            f"Usernames are at most {USERNAME_MAX} characters long; this one has {len(value)}.",
        )
    for position, ch in (("starts", value[0]), ("ends", value[-1])):
        if _is_space(ch) or _is_invisible(ch):
            return UsernameProblem(
                "username_invalid",
                reason="whitespace",
                message=f"The username {position} with an invisible character ({describe_char(ch)}). "
                "Usernames are matched exactly as written: remove it.",
            )
    for ch in value:
        if _is_space(ch):
            return UsernameProblem(
                "username_invalid",
                reason="whitespace",
                message=f"The username contains a space ({describe_char(ch)}). Usernames cannot contain "
                "spaces: remove it.",
            )
    for ch in value:
        if _is_invisible(ch):
            return UsernameProblem(
                "username_invalid",
                reason="invisible_character",
                message=f"The username contains an invisible or control character ({describe_char(ch)}), "
                "which would make two different usernames look the same. Remove it.",
            )
    normal = unicodedata.normalize("NFKC", value)
    if normal != value:
        ch = next((c for c in value if unicodedata.normalize("NFKC", c) != c), None)
        if ch is None:  # decomposed accents: each character is stable, their sequence is not
            return UsernameProblem(
                "username_invalid",
                reason="lookalike",
                message=f"The username is written with separate accent marks; write it as {normal!r} "
                "(composed characters) instead.",
            )
        return UsernameProblem(
            "username_invalid",
            reason="lookalike",
            message=f"The username contains {describe_char(ch)}, a variant of "
            f"{unicodedata.normalize('NFKC', ch)!r} that looks like it. Write it as "
            f"{normal!r} instead.",
        )
    return None


def check_username(value: object) -> str:
    """Return ``value`` unchanged when it is a valid username; raise :class:`UsernameRefused` otherwise."""
    problem = username_problem(value)
    if problem is not None:
        raise UsernameRefused(problem)
    return value  # type: ignore[return-value]  # username_problem proved it is a str


class UsernameRefused(ValueError):
    """A value broke the username rule; ``problem`` says which part and how to fix it."""

    def __init__(self, problem: UsernameProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.code = problem.code
        self.message = problem.message


_BIDI_CONTROLS = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def text_control_char(value: str) -> str | None:
    """Return the first control or bidi-control character of a display text (a name), or ``None``.

    Names are freer than usernames (spaces are fine) but a control character
    breaks logs and exports, and a bidi override reverses how the line reads.
    """
    for ch in value:
        if unicodedata.category(ch) == "Cc" or ord(ch) in _BIDI_CONTROLS:
            return ch
    return None


def same_username(a: str, b: str) -> bool:
    """Tell whether two usernames differ at most in letter case.

    The database's ``iexact`` alone is not enough: PostgreSQL's ``UPPER()``
    also folds look-alike letters (``ſ`` U+017F becomes ``S``, ``ı`` U+0131
    becomes ``I``), so ``ſupport`` would reach the account ``support``.
    Both case mappings must agree for the names to be the same.
    """
    return a.lower() == b.lower() and a.upper() == b.upper()
