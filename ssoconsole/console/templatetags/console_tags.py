"""Template filters of the console."""

from django import template
from django.forms import BaseForm

from ssoconsole.accounts.roles import Capability

register = template.Library()


@register.filter
def capability_label(value: str) -> str:
    """Describe a capability in words (``orgs.view`` → "See the organization tree")."""
    try:
        return Capability(value).label
    except ValueError:
        return value


@register.simple_tag
def field_widget(field):
    """Render a field's input with ``aria-describedby`` naming its error messages and help text.

    Django links only the help text; a screen reader should also hear why the
    value was refused. The ids match those in ``includes/field.html``.
    """
    ids = [f"{field.auto_id}_error_{n}" for n in range(1, len(field.errors) + 1)]
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    return field.as_widget(attrs={"aria-describedby": " ".join(ids)} if ids else None)


@register.simple_tag(takes_context=True)
def error_title_prefix(context) -> str:
    """Return "Error: " when a form on the page was refused, for the start of the ``<title>``.

    The title is the first thing a screen reader announces after a page
    load, so a refused submit must change it (the pattern of GOV.UK's error
    summary). Any bound form in the context counts, whatever its name.
    """
    for value in context.flatten().values():
        if isinstance(value, BaseForm) and value.is_bound and value.errors:
            return "Error: "
    return ""
