"""What every console form shares: turning service errors into field errors, org pickers."""

from __future__ import annotations

from django import forms

from ssoconsole.core.errors import DomainError
from ssoconsole.tenancy.services import org_tree

INDENT = "\u00a0\u00a0\u00a0"


class refusals_shown_on:  # noqa: N801 - read as a phrase: ``with refusals_shown_on(form, FIELDS)``
    """The console's one way to call a service: its refusal is shown, never raised.

    ::

        with refusals_shown_on(form, ORG_FIELDS) as call:
            orgs.rename_org(org, name, actor=request.user, request=request)
        if call.ok:
            messages.success(...)
            return redirect(...)
        return render(...)  # the form now carries the refusal

    A :class:`~ssoconsole.core.errors.DomainError` raised in the block goes
    next to the form field it names (``field_map`` translates the service's
    API names such as ``parentId`` to the form's), or above the form; with
    ``form=None`` only ``call.message`` holds it, for confirmation pages.
    ``show`` replaces the placement for forms with their own rules. Services
    leave their instances unchanged on error (``core.changes``), so there is
    nothing for the view to undo. Anything else propagates.
    """

    def __init__(
        self, form: forms.Form | None, field_map: dict[str, str] | None = None, *, show=None
    ):
        self.form = form
        self.field_map = field_map or {}
        self.show = show
        self.refusal: DomainError | None = None

    def __enter__(self) -> refusals_shown_on:
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if exc is None or not isinstance(exc, DomainError):
            return False
        self.refusal = exc
        if self.show is not None:
            self.show(exc)
        elif self.form is not None:
            add_domain_error(self.form, exc, self.field_map)
        return True

    @property
    def ok(self) -> bool:
        """True when the block ran without a refusal."""
        return self.refusal is None

    @property
    def message(self) -> str | None:
        """The refusal's sentence, or None."""
        return self.refusal.message if self.refusal is not None else None


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
