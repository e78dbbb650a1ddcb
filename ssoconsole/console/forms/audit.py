"""The audit log's filter form (a GET form: filters live in the URL and can be bookmarked)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django import forms

from ssoconsole.audit.models import Outcome


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="Actor", required=False, max_length=254)
    action = forms.ChoiceField(label="Action", required=False)
    outcome = forms.ChoiceField(
        label="Outcome", required=False, choices=[("", "Any"), *Outcome.choices]
    )
    reason = forms.CharField(
        label="Reason code",
        required=False,
        max_length=64,
        help_text="For example saml.signature_invalid",
    )
    provider = forms.ChoiceField(label="Provider", required=False)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actions: list[str], providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any"), *((a, a) for a in actions)]
        self.fields["provider"].choices = [
            ("", "Any"),
            *((str(p.id), p.display_name) for p in providers),
        ]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return data

    def filters(self) -> dict:
        """Return the valid filters as arguments of ``queries.audit_events`` (dates are whole UTC days)."""
        data = getattr(self, "cleaned_data", {})
        since, until = data.get("since"), data.get("until")
        return {
            "actor": (data.get("actor") or "").strip(),
            "action": data.get("action") or "",
            "outcome": data.get("outcome") or "",
            "reason": (data.get("reason") or "").strip(),
            "provider_id": data.get("provider") or None,
            "since": datetime.combine(since, time.min, tzinfo=UTC) if since else None,
            "until": datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)
            if until
            else None,
        }
