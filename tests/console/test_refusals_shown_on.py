"""The console's one way to call a service: refusals go next to the field they name, never raised."""

from __future__ import annotations

import pytest
from django import forms

from ssoconsole.console.forms.common import refusals_shown_on
from ssoconsole.core.errors import DomainError, NotFound, ValidationFailed


class NameForm(forms.Form):
    name = forms.CharField()


def bound_form() -> NameForm:
    form = NameForm({"name": "x"})
    assert form.is_valid()
    return form


def test_a_refusal_naming_a_field_goes_next_to_that_field():
    form = bound_form()
    with refusals_shown_on(form, {"displayName": "name"}) as call:
        raise ValidationFailed("Choose another name.", field="displayName")
    assert not call.ok and call.message == "Choose another name."
    assert form.errors == {"name": ["Choose another name."]}


def test_a_refusal_naming_no_field_goes_above_the_form():
    form = bound_form()
    with refusals_shown_on(form) as call:
        raise NotFound("No organization with this id in your tenant.")
    assert form.non_field_errors() == ["No organization with this id in your tenant."]
    assert isinstance(call.refusal, DomainError)


def test_a_block_without_a_refusal_is_ok_and_the_form_stays_clean():
    form = bound_form()
    with refusals_shown_on(form) as call:
        pass
    assert call.ok and call.message is None and not form.errors


def test_a_bug_is_not_swallowed():
    """Only domain refusals are shown; anything else reaches the error page and the log."""
    with pytest.raises(ZeroDivisionError), refusals_shown_on(bound_form()):
        _ = 1 / 0


def test_without_a_form_the_message_is_kept_for_a_confirmation_page():
    with refusals_shown_on(None) as call:
        raise ValidationFailed("You cannot deactivate yourself.")
    assert call.message == "You cannot deactivate yourself."
