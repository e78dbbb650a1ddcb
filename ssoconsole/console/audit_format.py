"""Turn an audit event's JSON ``data`` into rows a person can read.

Changes are stored as ``{"before": {...}, "after": {...}}``; refusals and
other events carry free-form facts. Ids of organizations are shown with the
org's current name, since a bare UUID tells an administrator nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

ORG_ID_KEYS = {"parentId", "orgId", "topOrgId"}


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Readable:
    changes: list[Change]
    facts: list[tuple[str, str]]
    has_before: bool = True

    @property
    def empty(self) -> bool:
        return not self.changes and not self.facts


def format_value(key: str, value: Any, org_names: dict[str, str]) -> str | None:
    """Render one stored value as short text; ``None`` stays ``None`` (shown as "none")."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(format_value(key, v, org_names) or "none" for v in value) or "(empty)"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    text = str(value)
    if key in ORG_ID_KEYS and text in org_names:
        return f"{org_names[text]} ({text[:8]}…)"
    return text


def readable(data: Any, org_names: dict[str, str] | None = None) -> Readable:
    """Split ``data`` into before/after changes and the remaining facts."""
    org_names = org_names or {}
    if not isinstance(data, dict):
        return Readable(
            [], [("data", format_value("data", data, org_names) or "none")] if data else []
        )
    before = data.get("before") if isinstance(data.get("before"), dict) else {}
    after = data.get("after") if isinstance(data.get("after"), dict) else {}
    changes = [
        Change(
            key,
            format_value(key, before.get(key), org_names),
            format_value(key, after.get(key), org_names),
        )
        for key in sorted(set(before) | set(after))
    ]
    facts = [
        (key, format_value(key, value, org_names) or "none")
        for key, value in sorted(data.items())
        if not (key in {"before", "after"} and isinstance(value, dict))
    ]
    return Readable(changes, facts, has_before=bool(before))
