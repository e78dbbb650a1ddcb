"""Forms of the Identity Management pages: a provider's metadata, its name, its attribute mapping.

The forms only shape input; the services in ``ssoconsole.sso`` decide what
is acceptable (https, allowed hosts, parseable metadata, attribute syntax)
and the views put their refusals next to the field they name.
"""

from __future__ import annotations

import base64
import binascii

from django import forms

from ssoconsole.sso.metadata_fetch import MAX_BYTES
from ssoconsole.sso.providers import ATTRIBUTE_MAX, DISPLAY_NAME_MAX

# Service field names (as the REST API spells them) -> form fields; "metadata" is
# resolved by the view to whichever source field the administrator used.
PROVIDER_FIELDS = {
    "displayName": "display_name",
    "metadataUrl": "metadata_url",
    "metadataXml": "metadata_file",
    "username": "username_attribute",
    "firstName": "first_name_attribute",
    "lastName": "last_name_attribute",
}

SOURCE_URL, SOURCE_FILE = "url", "file"


class ProviderMetadataForm(forms.Form):
    """Where the metadata comes from: a URL (Enter URL) or a file (Upload file).

    Both fields are rendered, each under its radio button; CSS shows only the
    chosen one, and without CSS support both stay usable, since the view reads
    only the field the radio names. ``carried_metadata`` keeps an uploaded
    document across the "choose the identity provider" round trip, so the
    administrator does not have to pick the file again.
    """

    source = forms.ChoiceField(
        label="Provider's Metadata",
        choices=[(SOURCE_URL, "Enter URL"), (SOURCE_FILE, "Upload file")],
        initial=SOURCE_URL,
        widget=forms.RadioSelect,
    )
    metadata_url = forms.CharField(
        label="Metadata URL",
        required=False,
        max_length=2000,
        help_text="The federation metadata URL, e.g. Entra ID's App Federation Metadata Url. It must be https on "
        "the identity provider's standard domain; for a custom domain (such as AD FS), upload the file.",
        widget=forms.TextInput(
            attrs={
                "placeholder": "https://login.microsoftonline.com/…/federationmetadata.xml?appid=…",
                "spellcheck": "false",
                "autocomplete": "off",
            }
        ),
    )
    metadata_file = forms.FileField(
        label="Metadata file",
        required=False,
        help_text="The federation metadata XML file downloaded from your identity provider (at most 1 MiB).",
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )
    entity_id = forms.CharField(required=False, max_length=1024, widget=forms.HiddenInput)
    carried_metadata = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, entity_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.entity_choices = list(entity_choices)

    def clean(self):
        data = super().clean()
        source = data.get("source")
        if source == SOURCE_URL and not (data.get("metadata_url") or "").strip():
            self.add_error("metadata_url", "Enter the metadata URL, or choose Upload file.")
        if source == SOURCE_FILE:
            upload = data.get("metadata_file")
            if "metadata_file" in self.errors:
                pass  # Django already said what is wrong with the file (e.g. empty)
            elif upload is None and not data.get("carried_metadata"):
                self.add_error(
                    "metadata_file", "Choose the metadata XML file to upload, or choose Enter URL."
                )
            elif upload is not None and upload.size > MAX_BYTES:
                self.add_error(
                    "metadata_file",
                    f"The file is larger than {MAX_BYTES // 1024} KiB, more than the "
                    "metadata of one identity provider needs. Upload that provider's "
                    "metadata, not a federation's.",
                )
        return data

    def metadata(self) -> dict:
        """Return the service keywords for the chosen source: ``metadata_url`` or ``metadata_xml``."""
        entity = self.cleaned_data.get("entity_id") or None
        if self.cleaned_data["source"] == SOURCE_URL:
            return {"metadata_url": self.cleaned_data["metadata_url"].strip(), "entity_id": entity}
        upload = self.cleaned_data.get("metadata_file")
        data = upload.read() if upload is not None else self._carried()
        return {"metadata_xml": data, "entity_id": entity}

    def _carried(self) -> bytes:
        try:
            return base64.b64decode(self.cleaned_data["carried_metadata"], validate=True)
        except (binascii.Error, ValueError):
            # Not what this page put there: treat it as no document, which the service explains.
            return b""

    def source_field(self) -> str:
        """Name the field a refusal of the document belongs next to."""
        return "metadata_url" if self.cleaned_data.get("source") == SOURCE_URL else "metadata_file"


class ProviderReplaceMetadataForm(ProviderMetadataForm):
    """Replace metadata: as above, plus, for a provider that reads a URL, whether to stop reading it.

    By default a file uploaded for such a provider is a one-time override:
    the URL and its scheduled refresh stay, so the next certificate rollover
    at the IdP is still picked up. Stopping the downloads is a choice the
    administrator makes explicitly.
    """

    switch_to_file = forms.BooleanField(
        label="Stop downloading from the metadata URL; from now on use only uploaded files",
        required=False,
        help_text="Leave this off unless the URL no longer works: without the URL, the next signing "
        "certificate rollover at the identity provider needs another upload here.",
    )

    def metadata(self) -> dict:
        source = super().metadata()
        if "metadata_xml" in source:
            source["switch_to_file"] = bool(self.cleaned_data.get("switch_to_file"))
        return source


class ProviderAddForm(ProviderMetadataForm):
    """Add Authentication Provider: a display name and the provider's metadata."""

    display_name = forms.CharField(
        label="Display Name",
        max_length=DISPLAY_NAME_MAX,
        help_text="Users see this name when more than one provider is offered at sign-in, e.g. “Microsoft Entra ID”.",
    )
    field_order = ["display_name", "source", "metadata_url", "metadata_file"]


class ProviderRenameForm(forms.Form):
    display_name = forms.CharField(label="Display Name", max_length=DISPLAY_NAME_MAX)


def carry(data: bytes) -> str:
    """Encode an uploaded document for ``carried_metadata``."""
    return base64.b64encode(data).decode("ascii")


USERNAME_NAMEID, USERNAME_ATTRIBUTE = "nameid", "attribute"


class AttributeMappingForm(forms.Form):
    """Step 4 of the tutorial: where the username, first and last name come from."""

    use_default = forms.BooleanField(label="Use default mapping", required=False)
    username_source = forms.ChoiceField(
        label="Username",
        choices=[(USERNAME_NAMEID, "Use NameID"), (USERNAME_ATTRIBUTE, "Use attribute tag")],
        widget=forms.RadioSelect,
        required=False,
    )
    username_attribute = forms.CharField(
        label="Username attribute tag",
        required=False,
        max_length=ATTRIBUTE_MAX,
        widget=forms.TextInput(
            attrs={
                "placeholder": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
                "spellcheck": "false",
            }
        ),
    )
    first_name_attribute = forms.CharField(
        label="First Name",
        required=False,
        max_length=ATTRIBUTE_MAX,
        help_text="Leave empty to use the default lookup.",
        widget=forms.TextInput(
            attrs={
                "placeholder": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
                "spellcheck": "false",
            }
        ),
    )
    last_name_attribute = forms.CharField(
        label="Last Name",
        required=False,
        max_length=ATTRIBUTE_MAX,
        help_text="Leave empty to use the default lookup.",
        widget=forms.TextInput(
            attrs={
                "placeholder": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
                "spellcheck": "false",
            }
        ),
    )

    @classmethod
    def initial_for(cls, provider) -> dict:
        return {
            "use_default": provider.use_default_mapping,
            "username_source": USERNAME_ATTRIBUTE
            if provider.username_attribute
            else USERNAME_NAMEID,
            "username_attribute": provider.username_attribute,
            "first_name_attribute": provider.first_name_attribute,
            "last_name_attribute": provider.last_name_attribute,
        }

    def clean(self):
        data = super().clean()
        if data.get("use_default"):
            return data
        if not data.get("username_source"):
            self.add_error(
                "username_source",
                "Choose where the username comes from: the NameID or an attribute tag.",
            )
        elif (
            data["username_source"] == USERNAME_ATTRIBUTE
            and not data.get("username_attribute", "").strip()
        ):
            self.add_error(
                "username_attribute",
                "Enter the attribute tag (claim URI) that carries the username, e.g. "
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name, or "
                "choose Use NameID.",
            )
        return data

    def service_kwargs(self) -> dict:
        """Return the keywords of ``set_attribute_mapping``; ``username=None`` means the NameID."""
        data = self.cleaned_data
        if data.get("use_default"):
            return {"use_default": True}
        username = (
            data["username_attribute"].strip()
            if data["username_source"] == USERNAME_ATTRIBUTE
            else None
        )
        return {
            "use_default": False,
            "username": username,
            "first_name": data.get("first_name_attribute") or None,
            "last_name": data.get("last_name_attribute") or None,
        }
