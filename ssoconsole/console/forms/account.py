"""Forms of the Account page."""

from django import forms


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        required=False,
        help_text="Say what will use it, e.g. “provisioning script”, so you can tell tokens apart later.",
    )
