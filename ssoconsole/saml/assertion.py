"""The typed result of a successful Response validation.

Only :func:`ssoconsole.saml.response.validate_response` builds it, and only
from the element the signature verification returned, so every field here is
covered by a verified signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType


def _frozen_mapping(values: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({name: tuple(v) for name, v in values.items()})


@dataclass(frozen=True)
class Assertion:
    """Who signed in, as the identity provider asserted it.

    ``attributes`` maps each attribute Name to all its values in document
    order (several <Attribute> elements with one Name are merged).
    ``not_on_or_after`` is the earliest of the assertion's own limits
    (Conditions and bearer SubjectConfirmationData NotOnOrAfter);
    ``replay_cache_until`` adds the allowed clock skew, the last instant at
    which the assertion could still be accepted: the replay cache must keep
    (``issuer``, ``assertion_id``) until then. ``signing_certificate`` is the
    trusted DER certificate whose key verified the signature: which of the
    metadata's certificates the IdP actually signs with.
    """

    name_id: str
    name_id_format: str | None
    issuer: str
    assertion_id: str
    in_response_to: str
    not_on_or_after: datetime
    replay_cache_until: datetime
    authn_instant: datetime
    session_index: str | None = None
    session_not_on_or_after: datetime | None = None
    authn_context_class_ref: str | None = None
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    signing_certificate: bytes = field(default=b"", repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", _frozen_mapping(self.attributes))

    def first(self, name: str, default: str | None = None) -> str | None:
        """Return the first value of attribute ``name``, for single-valued claims."""
        values = self.attributes.get(name)
        return values[0] if values else default

    @property
    def attribute_names(self) -> tuple[str, ...]:
        """Return the received attribute names, for "received attribute names" diagnostics."""
        return tuple(self.attributes)
