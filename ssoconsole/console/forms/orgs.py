"""Forms of the Organizations pages."""

from __future__ import annotations

from uuid import UUID

from django import forms

from ssoconsole.console.forms.common import INDENT, TenantOrgField
from ssoconsole.tenancy.models import Organization, SSOMode
from ssoconsole.tenancy.services import MAX_NAME

ORG_FIELDS = {
    "name": "name",
    "parentId": "parent",
    "orgId": "parent",
    "mode": "mode",
    "providerId": "mode",
}


def _tree_rows(tree) -> tuple[list[tuple[str, str]], frozenset[str]]:
    choices = [(str(org.id), INDENT * depth + org.name) for org, depth, _ in tree]
    return choices, frozenset(value for value, _ in choices)


def subtree_ids(tree, org: Organization) -> frozenset:
    """Return the ids of ``org`` and everything below it, read from a tree-ordered list."""
    ids, inside, depth_of_org = set(), False, None
    for node, depth, _ in tree:
        if node.id == org.id:
            inside, depth_of_org = True, depth
            ids.add(node.id)
        elif inside and depth > depth_of_org:
            ids.add(node.id)
        elif inside:
            break
    return frozenset(ids)


class OrgCreateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=MAX_NAME)
    parent = TenantOrgField(
        label="Parent organization",
        help_text="The new organization inherits its sign-in method from here.",
    )

    def __init__(self, *args, tree, initial_parent=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices, valid = _tree_rows(tree)
        self.fields["parent"].choices = choices
        self.fields["parent"].valid_ids = valid
        if initial_parent is not None:
            self.fields["parent"].initial = str(initial_parent)


class OrgRenameForm(forms.Form):
    name = forms.CharField(label="Name", max_length=MAX_NAME)


class OrgMoveForm(forms.Form):
    parent = TenantOrgField(label="New parent organization")

    def __init__(self, *args, tree, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        choices, valid = _tree_rows(tree)
        hidden = {str(i) for i in subtree_ids(tree, org)}
        self.fields["parent"].choices = [c for c in choices if c[0] not in hidden]
        self.fields["parent"].valid_ids = valid
        self.fields[
            "parent"
        ].help_text = f"Organizations inside “{org.name}” are not offered: an organization cannot be moved under itself."
        self.fields["parent"].initial = str(org.parent_id) if org.parent_id else None


class OrgMoveSearchForm(forms.Form):
    """The Move form of a big tree: search for the new parent by name, then pick one of the results.

    No drop-down of every org (10,000 options, 1.3 MB of HTML): a search
    field (``move_q``, sent with GET to the page itself, so that it works
    without JavaScript) and radio buttons for at most 20 results, the org's
    own subtree left out. Any org of the tenant is accepted on POST, so that
    the service explains a stale or crafted choice.
    """

    move_q = forms.CharField(
        label="Find the new parent organization",
        required=False,
        max_length=200,
        help_text="Type part of its name, then Search.",
    )
    parent = forms.ChoiceField(
        label="New parent organization",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Search for the new parent organization, then choose one of the results.",
            "invalid_choice": "Choose one of the organizations found, or search again.",
        },
    )

    def __init__(self, *args, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org
        self.search_text = ""
        self.results: list = []
        self.more_results = False

    def set_results(self, results) -> None:
        """Offer ``results`` (``(org, path names)``) as the radio buttons."""
        self.fields["parent"].choices = [
            (str(o.id), " › ".join([*path, o.name])) for o, path in results
        ]

    def clean_parent(self):
        value = self.cleaned_data["parent"]
        try:
            return str(UUID(value))
        except ValueError:
            raise forms.ValidationError(
                "Choose one of the organizations found, or search again."
            ) from None

    def full_clean(self):
        # Any org id is accepted here (the service checks it belongs to the tenant and is no cycle):
        # the results of the search shown with the form may differ from those when it was sent.
        if self.is_bound and self.data.get("parent"):
            self.fields["parent"].choices = [(self.data.get("parent"), "")]
        super().full_clean()


class OrgAuthenticationForm(forms.Form):
    """The org's own sign-in setting: inherit (not on the top org), local, or a provider.

    ``providers`` is a list of ``(id, display name)`` of the tenant's
    authentication providers; each becomes an ``provider:<id>`` choice.
    A choice that turns single sign-on on for the org (or moves it to another
    provider) must be confirmed by typing the org's name: users without an
    account at the identity provider lose access, so a misclick must not do it.
    """

    mode = forms.ChoiceField(label="Sign-in method", widget=forms.RadioSelect)
    confirm = forms.CharField(
        label="Type the organization name to confirm",
        required=False,
        max_length=MAX_NAME,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(
        self,
        *args,
        org: Organization,
        inherited_label: str,
        providers=(),
        current_provider_id=None,
        parent_provider_id=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.org = org
        choices = []
        if not org.is_top:
            choices.append(
                (
                    SSOMode.INHERIT.value,
                    f"Inherit from the parent organization (now: {inherited_label})",
                )
            )
        choices.append(
            (SSOMode.NONE.value, "Local: users sign in with their username and password")
        )
        choices += [(f"provider:{pid}", f"Single sign-on with {name}") for pid, name in providers]
        self.fields["mode"].choices = choices
        if org.sso_mode == SSOMode.PROVIDER:
            self.fields["mode"].initial = f"provider:{org.sso_provider_id}"
        else:
            self.fields["mode"].initial = org.sso_mode
        # The provider each choice would make effective; confirmation is needed where it differs from now.
        now = str(current_provider_id) if current_provider_id else None
        outcome = {f"provider:{pid}": str(pid) for pid, _ in providers}
        if not org.is_top and parent_provider_id:
            outcome[SSOMode.INHERIT.value] = str(parent_provider_id)
        self.enabling_values = frozenset(value for value, pid in outcome.items() if pid != now)

    def clean(self):
        data = super().clean()
        if (
            data.get("mode") in self.enabling_values
            and (data.get("confirm") or "").strip() != self.org.name
        ):
            self.add_error(
                "confirm",
                f"Type the organization name “{self.org.name}” exactly as shown to confirm that "
                "its users will sign in with single sign-on.",
            )
        return data

    def mode_and_provider(self) -> tuple[str, str | None]:
        value = self.cleaned_data["mode"]
        if value.startswith("provider:"):
            return SSOMode.PROVIDER.value, value.split(":", 1)[1]
        return value, None
