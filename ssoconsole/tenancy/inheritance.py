"""The effective SSO setting of an organization (docs/rules.md#effective-sso-setting), as a pure function.

Effective setting = the org's own setting or, when it inherits, its parent's
effective setting; the top org's ``inherit`` means ``none``. Kept free of the
ORM so that it can be tested on large trees without a database and reused
by any caller that has the ancestors at hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class OrgSetting:
    """The part of an organization that inheritance needs."""

    id: UUID
    parent_id: UUID | None
    mode: str  # "inherit" | "provider" | "none"
    provider_id: UUID | None = None


@dataclass(frozen=True)
class EffectiveSSO:
    """Where an org's sign-in method comes from."""

    mode: str  # "provider" | "none"
    provider_id: UUID | None
    source_org_id: UUID

    @property
    def uses_sso(self) -> bool:
        return self.mode == "provider"


class InheritanceCycle(ValueError):
    """The parent links of the given orgs form a cycle (the data is corrupt)."""


def effective_sso(org_id: UUID, orgs: Mapping[UUID, OrgSetting]) -> EffectiveSSO:
    """Return the effective SSO setting of ``org_id`` given its ancestors in ``orgs``.

    ``orgs`` must hold the org and every ancestor up to the first one that
    does not inherit; a missing ancestor raises ``KeyError``.
    """
    seen: set[UUID] = set()
    current = orgs[org_id]
    while True:
        if current.id in seen:
            raise InheritanceCycle(f"Organization {current.id} is its own ancestor.")
        seen.add(current.id)
        if current.mode == "provider":
            return EffectiveSSO("provider", current.provider_id, current.id)
        if current.mode == "none" or current.parent_id is None:
            return EffectiveSSO("none", None, current.id)
        current = orgs[current.parent_id]


def effective_sso_for_all(orgs: Mapping[UUID, OrgSetting]) -> dict[UUID, EffectiveSSO]:
    """Return the effective setting of every org in ``orgs`` in linear time (memoized walk)."""
    result: dict[UUID, EffectiveSSO] = {}
    for start in orgs:
        path: list[UUID] = []
        node_id: UUID | None = start
        on_path: set[UUID] = set()
        while node_id is not None and node_id not in result:
            if node_id in on_path:
                raise InheritanceCycle(f"Organization {node_id} is its own ancestor.")
            on_path.add(node_id)
            node = orgs[node_id]
            if node.mode == "provider":
                result[node_id] = EffectiveSSO("provider", node.provider_id, node_id)
                break
            if node.mode == "none" or node.parent_id is None:
                result[node_id] = EffectiveSSO("none", None, node_id)
                break
            path.append(node_id)
            node_id = node.parent_id
        resolved = result[node_id] if node_id is not None else None
        for pending in path:
            if resolved is not None:
                result[pending] = resolved
    return result
