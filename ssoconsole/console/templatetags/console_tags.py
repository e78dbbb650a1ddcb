"""Template filters of the console."""

from django import template

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
