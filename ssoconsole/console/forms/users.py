"""Forms of the Users pages."""

from __future__ import annotations

from django import forms

from ssoconsole.accounts.roles import Role
from ssoconsole.accounts.services import NAME_MAX, PASSWORD_MIN, USERNAME_MAX
from ssoconsole.console.forms.common import TenantOrgField, org_choices

USER_FIELDS = {
    "username": "username",
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "orgId": "org",
    "roles": "roles",
    "password": "password",
}

ROLE_LABELS = dict(Role.choices)


class UserForm(forms.Form):
    """Create or edit a user; which roles can be given depends on who is asking."""

    username = forms.CharField(
        label="Username",
        max_length=USERNAME_MAX,
        strip=False,  # matched exactly: the username rule refuses spaces instead of hiding them
        help_text="Must match the username the identity provider sends when the user signs in with SSO.",
    )
    first_name = forms.CharField(label="First name", max_length=NAME_MAX, required=False)
    last_name = forms.CharField(label="Last name", max_length=NAME_MAX, required=False)
    email = forms.EmailField(label="Email", max_length=254, required=False)
    org = TenantOrgField(label="Organization")
    roles = forms.MultipleChoiceField(
        label="Roles", widget=forms.CheckboxSelectMultiple, required=False
    )
    local_sign_in = forms.BooleanField(
        label="Local user: keep password sign-in even when the organization uses SSO",
        required=False,
        help_text="For troubleshooting problems with the authentication provider.",
    )
    password = forms.CharField(
        label="Password",
        required=False,
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=f"At least {PASSWORD_MIN} characters. Leave empty for users who sign in with SSO.",
    )

    def __init__(self, *args, tenant, grantable: list[str], editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = org_choices(tenant)
        self.fields["org"].choices = choices
        self.fields["org"].valid_ids = frozenset(c[0] for c in choices)
        self.fields["roles"].choices = [(r, ROLE_LABELS[r]) for r in grantable]
        if editing:
            self.fields["password"].label = "New password"
            self.fields[
                "password"
            ].help_text = (
                f"At least {PASSWORD_MIN} characters. Leave empty to keep the current password."
            )
        else:
            del self.fields["local_sign_in"]
            self.fields["roles"].initial = [Role.USER.value]
