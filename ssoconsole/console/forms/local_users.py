"""The "Add local user" form of the Identity Management screen.

The form takes a username as typed (a ``<datalist>`` of the tenant's users
helps pick one); ``accounts.local_users.user_by_username`` decides whether it
names a user of this tenant, so another tenant's username is simply unknown.
"""

from __future__ import annotations

from django import forms

from ssoconsole.accounts.services import USERNAME_MAX

CANDIDATES_ID = "local-user-candidates"


class AddLocalUserForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=USERNAME_MAX,
        strip=False,  # matched exactly: the username rule refuses spaces instead of hiding them
        help_text="Start typing to pick one of your tenant's users.",
        widget=forms.TextInput(
            attrs={"list": CANDIDATES_ID, "autocomplete": "off", "spellcheck": "false"}
        ),
        error_messages={"required": "Enter the username of the user to keep on password sign-in."},
    )
