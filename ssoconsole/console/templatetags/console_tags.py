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
