"""Forms of Identity Management › Provisioning: a token's name, the placement rules, a group's org."""

from __future__ import annotations

from django import forms

from ssoconsole.console.forms.common import org_choices
from ssoconsole.scim.models import PlacementAttribute
from ssoconsole.scim.placement import MAX_DELAY_MINUTES


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        required=False,
        help_text="To recognise the token later, e.g. “Entra ID production”.",
    )


class RulesForm(forms.Form):
    placement_attribute = forms.ChoiceField(
        label="Place users by attribute",
        choices=PlacementAttribute.choices,
        help_text="The attribute's value is compared with organization names, in any letter case.",
    )
    default_org = forms.ChoiceField(
        label="Default organization",
        required=False,
        help_text="Users no attribute or group places go here (the top organization when empty).",
    )
    deactivation_delay_minutes = forms.IntegerField(
        label="Deprovisioning delay (minutes)",
        min_value=0,
        max_value=MAX_DELAY_MINUTES,
        help_text="0 deactivates at once; a delay lets a mistaken unassignment be undone in time.",
    )

    def __init__(self, tenant, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_org"].choices = [("", "— top organization —"), *org_choices(tenant)]


class GroupOrgForm(forms.Form):
    org = forms.ChoiceField(label="Organization", required=False)

    def __init__(self, tenant, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [("", "— not mapped —"), *org_choices(tenant)]
