"""Turn what an identity provider asserted into a username and a name, as a pure function.

SSO authenticates; it does not create users. The username produced here
must equal (case-insensitively) an existing user's, so the rules are few and
visible: the NameID by default, or one attribute the administrator names.
First and last names are optional and only refresh the user's profile.

No Django, no database: sign-in, the "test provider" diagnostic and the tests
call the same function with the same inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ssoconsole.accounts.username_rule import username_problem
from ssoconsole.sso.errors import (
    MappingNameIDMissing,
    MappingUsernameAttributeMissing,
    MappingUsernameInvalid,
)

CLAIM_GIVENNAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"
CLAIM_SURNAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"
OID_GIVENNAME = "urn:oid:2.5.4.42"
OID_SURNAME = "urn:oid:2.5.4.4"

# Where the names are looked for when no attribute is configured, most specific first:
# the WS-Federation claim URIs (Entra ID, AD FS), the X.500 OIDs (Shibboleth, SAML2 URI
# profile), and the plain names Google, Okta and others emit.
DEFAULT_FIRST_NAME = (
    CLAIM_GIVENNAME,
    OID_GIVENNAME,
    "firstName",
    "givenName",
    "first_name",
    "FirstName",
    "User.FirstName",
)
DEFAULT_LAST_NAME = (
    CLAIM_SURNAME,
    OID_SURNAME,
    "lastName",
    "sn",
    "surname",
    "last_name",
    "LastName",
    "User.LastName",
)
NAME_MAX = 150
_LISTED = 30


@dataclass(frozen=True)
class MappingConfig:
    """The provider's attribute mapping; ``None`` for the username attribute means the NameID.

    With ``use_default`` on, the other fields are ignored. With it off, an
    empty first or last name attribute falls back to the default lookup.
    """

    use_default: bool = True
    username_attribute: str | None = None
    first_name_attribute: str | None = None
    last_name_attribute: str | None = None


@dataclass(frozen=True)
class MappedIdentity:
    """Who the assertion says signed in, in the console's terms."""

    username: str
    first_name: str | None
    last_name: str | None
    username_source: str  # "NameID" or the attribute name


def map_identity(
    name_id: str | None,
    attributes: Mapping[str, Sequence[str | None]],
    config: MappingConfig,
) -> MappedIdentity:
    """Return the username and names that ``config`` reads from an assertion's NameID and attributes.

    A multi-valued username attribute uses its first non-empty value (SAML
    Core 2.7.3.1 keeps values in order); anything else would be a guess.
    """
    received = tuple(attributes)
    attr = None if config.use_default else (config.username_attribute or None)
    if attr is None:
        username = name_id or ""
        if not username.strip():
            raise MappingNameIDMissing(
                "The assertion has no NameID, and the username is mapped from the NameID. Configure the identity "
                "provider to send a NameID, or map the username from an attribute. Received attributes: "
                + _names(received),
                received=received,
            )
        source = "NameID"
    else:
        username = _first_exact(attributes, attr)
        if username is None:
            raise MappingUsernameAttributeMissing(
                f"The username attribute {attr} is not in the assertion. Received attributes: {_names(received)}. "
                "Change the attribute mapping to one of them, or add the claim at the identity provider.",
                received=received,
            )
        source = attr
    problem = username_problem(username)
    if problem is not None:
        raise MappingUsernameInvalid(
            f"The value mapped to the username ({source}) is not a usable username: "
            f"{problem.message} It is matched exactly as the identity provider signed it, so "
            "correct the value at the identity provider or map the username from another claim.",
            received=received,
        )
    first = _first(attributes, _lookup(config, config.first_name_attribute, DEFAULT_FIRST_NAME))
    last = _first(attributes, _lookup(config, config.last_name_attribute, DEFAULT_LAST_NAME))
    return MappedIdentity(
        username=username, first_name=_name(first), last_name=_name(last), username_source=source
    )


def map_assertion(assertion, config: MappingConfig) -> MappedIdentity:
    """Apply :func:`map_identity` to anything with ``name_id`` and ``attributes`` (the core's ``Assertion``)."""
    return map_identity(assertion.name_id, assertion.attributes, config)


def _lookup(
    config: MappingConfig, configured: str | None, defaults: tuple[str, ...]
) -> tuple[str, ...]:
    if not config.use_default and configured:
        return (configured,)
    return defaults


def _first(attributes: Mapping[str, Sequence[str | None]], names: Sequence[str]) -> str | None:
    """Return the first non-empty value of the first of ``names`` that has one."""
    for name in names:
        for value in attributes.get(name, ()) or ():
            if value is not None and value.strip():
                return value.strip()
    return None


def _first_exact(attributes: Mapping[str, Sequence[str | None]], name: str) -> str | None:
    """Return the first non-empty value of ``name`` exactly as signed: a username is never trimmed."""
    for value in attributes.get(name, ()) or ():
        if value:
            return value
    return None


def _name(value: str | None) -> str | None:
    return value[:NAME_MAX] if value else None


def _names(received: Sequence[str]) -> str:
    if not received:
        return "none"
    shown = ", ".join(received[:_LISTED])
    return shown + (f" and {len(received) - _LISTED} more" if len(received) > _LISTED else "")
