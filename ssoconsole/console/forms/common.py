"""What every console form shares: turning service errors into field errors, org pickers."""

from __future__ import annotations

from django import forms

from ssoconsole.core.errors import DomainError
from ssoconsole.tenancy.services import org_tree

INDENT = "\u00a0\u00a0\u00a0"


def add_domain_error(form: forms.Form, error: DomainError, field_map: dict[str, str]) -> None:
    """Show a service's refusal next to the field it names, or above the form when it names none.

    Services name fields as the REST API does (``parentId``, ``firstName``);
    ``field_map`` translates them to this form's field names.
    """
    field = field_map.get(error.field or "", error.field)
    if field not in form.fields:
        field = None
    form.add_error(field, error.message)


def org_choices(tenant, *, exclude_ids: frozenset = frozenset()) -> list[tuple[str, str]]:
    """Return the tenant's orgs in tree order, indented by depth, for a ``<select>``."""
    return [
        (str(org.id), INDENT * depth + org.name)
        for org, depth, _ in org_tree(tenant)
        if org.id not in exclude_ids
    ]


class TenantOrgField(forms.ChoiceField):
    """Pick one org of the tenant.

    The ``<select>`` may offer fewer orgs than are valid (a move hides the
    org's own subtree), but any org of the tenant is accepted so that the
    service, not the form, explains why a stale or crafted choice is refused.
    Orgs of other tenants are never valid.
    """

    def __init__(self, *, valid_ids: frozenset[str] = frozenset(), **kwargs):
        self.valid_ids = valid_ids
        super().__init__(**kwargs)

    def valid_value(self, value) -> bool:
        return value in self.valid_ids or super().valid_value(value)
