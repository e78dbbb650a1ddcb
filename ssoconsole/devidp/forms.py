"""Forms of the dev IdP's pages, labelled with Entra's words.

Forms check only the shape of the input; the rules (URL syntax, unique
Identifier, password length) live in ``services`` so that the seeding API
enforces them too. ``apply_error`` puts a service's refusal next to its field.
"""

from __future__ import annotations

from django import forms

from ssoconsole.core.errors import ValidationFailed
from ssoconsole.devidp.models import SigningAlgorithm, SigningOption

YES_NO = [("yes", "Yes"), ("no", "No")]


def apply_error(form: forms.Form, error: ValidationFailed) -> None:
    """Attach a service's ``ValidationFailed`` to the named field, or to the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class YesNoField(forms.TypedChoiceField):
    """Entra's Yes/No toggle, as two radio buttons that yield a bool."""

    def __init__(self, **kwargs):
        super().__init__(
            choices=YES_NO, coerce=lambda value: value == "yes", widget=forms.RadioSelect, **kwargs
        )


class AdminSignInForm(forms.Form):
    password = forms.CharField(
        label="Admin password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class DirectoryForm(forms.Form):
    name = forms.CharField(label="Organization name", max_length=200)


class DirectoryUserForm(forms.Form):
    upn = forms.CharField(
        label="User principal name", max_length=254, help_text="For example alex@contoso.example."
    )
    display_name = forms.CharField(label="Display name", max_length=200, required=False)
    given_name = forms.CharField(label="First name", max_length=100, required=False)
    surname = forms.CharField(label="Last name", max_length=100, required=False)
    mail = forms.EmailField(
        label="Email", required=False, help_text="Leave empty to use the user principal name."
    )
    password = forms.CharField(
        label="Password",
        min_length=8,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class NewAppForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=200,
        initial="ssoconsole",
        required=False,
        help_text="Optional: give this instance a unique name, e.g. when several tenants use one directory.",
    )


class PropertiesForm(forms.Form):
    enabled_for_sign_in = YesNoField(label="Enabled for users to sign in?")
    assignment_required = YesNoField(label="Assignment required?")
    visible_to_users = YesNoField(label="Visible to users?")


class BasicSamlForm(forms.Form):
    identifier = forms.CharField(label="Identifier (Entity ID)", max_length=1024)
    reply_urls = forms.CharField(
        label="Reply URL (Assertion Consumer Service URL)",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One URL per line. The first one is the default.",
    )
    sign_on_url = forms.CharField(label="Sign on URL (Optional)", max_length=1024, required=False)
    relay_state = forms.CharField(label="Relay State (Optional)", max_length=1024, required=False)

    def reply_url_list(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["reply_urls"].splitlines() if line.strip()
        ]


class SigningForm(forms.Form):
    signing_option = forms.ChoiceField(label="Signing Option", choices=SigningOption.choices)
    signing_algorithm = forms.ChoiceField(
        label="Signing Algorithm", choices=SigningAlgorithm.choices
    )


class VerificationForm(forms.Form):
    require_signed_requests = forms.BooleanField(
        label="Require verification certificates", required=False
    )
    certificates_pem = forms.CharField(
        label="Verification certificates (PEM)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="The service provider's request-signing certificates, one or more PEM blocks. Only RSA-SHA256 signatures are accepted.",
    )


class AssignForm(forms.Form):
    user = forms.ModelChoiceField(label="Users", queryset=None, empty_label=None)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = lambda u: f"{u.display_name} ({u.upn})"


class SignInForm(forms.Form):
    """The end user's sign-in at the IdP; failures get one message, whichever part was wrong."""

    username = forms.CharField(
        label="Email or username",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ProvisioningForm(forms.Form):
    """Provisioning › Admin Credentials, as in Entra ID."""

    tenant_url = forms.URLField(
        label="Tenant URL",
        max_length=1024,
        assume_scheme="https",
        help_text="The SCIM base URL the console shows under Identity Management › Provisioning.",
    )
    secret_token = forms.CharField(
        label="Secret Token",
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Leave empty to keep the saved token.",
    )
