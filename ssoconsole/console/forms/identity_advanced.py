"""The advanced SAML settings form, named as the tutorial's vendor names them ("Set SAML attributes for SSO").

Choices come from the model's enumerations, so the form cannot offer a value
the service would refuse; the SHA-1 rule stays in the service and its
message is shown next to the signature method.
"""

from __future__ import annotations

from django import forms

from ssoconsole.sso.models import Comparison, DigestMethod, NameIDFormat, SignatureMethod
from ssoconsole.sso.providers import ATTRIBUTE_MAX, MAX_CLOCK_SKEW

AC_PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
AC_PROTECTED = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
AC_OTHER = "other"

ADVANCED_FIELDS = {
    "authnContextClassRef": "authn_context",
    "authnContextComparison": "authn_context_comparison",
    "digestMethod": "digest_method",
    "signatureMethod": "signature_method",
    "signRequests": "sign_requests",
    "nameIdFormat": "name_id_format",
    "forceAuthn": "force_authn",
    "clockSkewSeconds": "clock_skew_seconds",
    "insecureAllowSha1": "insecure_allow_sha1",
}


class AdvancedSettingsForm(forms.Form):
    authn_context = forms.ChoiceField(
        label="Authentication context class reference",
        choices=[
            ("", "None requested (the identity provider decides how users sign in)"),
            (AC_PASSWORD, AC_PASSWORD),
            (AC_PROTECTED, AC_PROTECTED),
            (AC_OTHER, "Another class reference…"),
        ],
        required=False,
    )
    authn_context_other = forms.CharField(
        label="Other class reference",
        required=False,
        max_length=ATTRIBUTE_MAX,
        widget=forms.TextInput(
            attrs={
                "placeholder": "urn:oasis:names:tc:SAML:2.0:ac:classes:X509",
                "spellcheck": "false",
            }
        ),
    )
    authn_context_comparison = forms.ChoiceField(
        label="Authentication context comparison",
        choices=Comparison.choices,
        help_text="Used only when a class reference is requested. Microsoft Entra ID accepts EXACT only.",
    )
    digest_method = forms.ChoiceField(label="Digest method", choices=DigestMethod.choices)
    signature_method = forms.ChoiceField(label="Signature method", choices=SignatureMethod.choices)
    sign_requests = forms.BooleanField(
        label="Sign AuthnRequests",
        required=False,
        help_text="The service provider metadata then carries this tenant's signing certificate; give the identity "
        "provider the refreshed metadata (Entra ID: Verification certificates).",
    )
    name_id_format = forms.ChoiceField(
        label="NameID format requested",
        choices=[("", "None (the identity provider's default)"), *NameIDFormat.choices],
        required=False,
    )
    force_authn = forms.BooleanField(
        label="ForceAuthn",
        required=False,
        help_text="Ask the identity provider to prompt again even when the user has a session there.",
    )
    clock_skew_seconds = forms.IntegerField(
        label="Clock skew (seconds)",
        min_value=0,
        max_value=MAX_CLOCK_SKEW,
        help_text=f"How far the identity provider's clock may differ from ours (0–{MAX_CLOCK_SKEW}). Entra ID allows "
        "none on its side, so keep a few minutes.",
    )
    insecure_allow_sha1 = forms.BooleanField(
        label="Allow SHA-1 (insecure)",
        required=False,
        help_text="SHA-1 signatures can be forged. Turn this on only for an identity provider that cannot do SHA-256.",
    )

    @classmethod
    def initial_for(cls, provider) -> dict:
        ref = provider.authn_context_class_ref
        known = ref in ("", AC_PASSWORD, AC_PROTECTED)
        return {
            "authn_context": ref if known else AC_OTHER,
            "authn_context_other": "" if known else ref,
            "authn_context_comparison": provider.authn_context_comparison,
            "digest_method": provider.digest_method,
            "signature_method": provider.signature_method,
            "sign_requests": provider.sign_requests,
            "name_id_format": provider.name_id_format,
            "force_authn": provider.force_authn,
            "clock_skew_seconds": provider.clock_skew_seconds,
            "insecure_allow_sha1": provider.insecure_allow_sha1,
        }

    def clean(self):
        data = super().clean()
        if (
            data.get("authn_context") == AC_OTHER
            and not data.get("authn_context_other", "").strip()
        ):
            self.add_error(
                "authn_context_other", "Enter the class reference URI, or choose one from the list."
            )
        return data

    def service_kwargs(self) -> dict:
        """Return the keywords of ``set_advanced_settings``."""
        data = self.cleaned_data
        ref = (
            data["authn_context_other"].strip()
            if data["authn_context"] == AC_OTHER
            else data["authn_context"]
        )
        return {
            "authn_context_class_ref": ref,
            "authn_context_comparison": data["authn_context_comparison"],
            "digest_method": data["digest_method"],
            "signature_method": data["signature_method"],
            "sign_requests": data["sign_requests"],
            "name_id_format": data["name_id_format"],
            "force_authn": data["force_authn"],
            "clock_skew_seconds": data["clock_skew_seconds"],
            "insecure_allow_sha1": data["insecure_allow_sha1"],
        }
