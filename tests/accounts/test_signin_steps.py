"""The username-first decision: what follows the username, for every kind of user."""

from __future__ import annotations

import pytest

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts import signin
from ssoconsole.core.errors import ValidationFailed
from ssoconsole.tenancy.models import Organization


def test_an_unknown_username_gets_the_unknown_step(db, no_sso_flow):
    """The view shows it the password field like anyone else's."""
    assert signin.next_step_for("ghost@example.test") == signin.Unknown("ghost@example.test")


def test_a_user_of_a_password_org_gets_the_password_step(plain_user, no_sso_flow):
    """The top org signs in with passwords unless set otherwise."""
    step = signin.next_step_for(plain_user.username.upper())
    assert isinstance(step, signin.PasswordStep) and step.user == plain_user


def test_a_user_of_an_sso_org_gets_the_sso_step_with_the_orgs_provider(
    sso_user, sso_provider_id, no_sso_flow
):
    """No password field for SSO users: the step names the provider to send them to."""
    step = signin.next_step_for(sso_user.username)
    assert step == signin.SSOStep(sso_user.username, sso_user, sso_provider_id)


def test_a_provider_is_inherited_by_child_orgs(
    make_org, make_user, sso_org, sso_provider_id, no_sso_flow
):
    """A child org that inherits from an SSO org uses SSO too."""
    child = make_org("Child", parent=sso_org)
    user = make_user(org=child)
    assert signin.next_step_for(user.username).provider_id == sso_provider_id


def test_an_org_set_to_none_below_an_sso_org_keeps_passwords(
    make_org, make_user, sso_org, no_sso_flow
):
    """``none`` stops inheritance."""
    child = make_org("Local", parent=sso_org)
    Organization.objects.filter(id=child.id).update(sso_mode="none")
    assert isinstance(signin.next_step_for(make_user(org=child).username), signin.PasswordStep)


def test_local_sign_in_keeps_the_password_step_in_an_sso_org(sso_user, no_sso_flow):
    """Users flagged for local sign-in (troubleshooting) always get the password field."""
    accounts.update_user(sso_user, local_sign_in=True)
    assert isinstance(signin.next_step_for(sso_user.username), signin.PasswordStep)


def test_a_registered_sso_flow_may_turn_the_step_into_a_provider_choice(sso_user, monkeypatch):
    """The sso app decides whether the user picks from a list of providers."""
    choice = signin.ProviderChoice(
        sso_user.username, sso_user, (signin.ProviderOption(sso_user.org.sso_provider_id, "Entra"),)
    )

    class ChoosingFlow:
        def step_for(self, step):
            return choice

        def start(self, request, step, *, next_url):
            raise AssertionError("not called here")

    monkeypatch.setattr(signin, "_sso_flow", None)
    signin.register_sso_flow(ChoosingFlow())
    assert signin.next_step_for(sso_user.username) is choice


@pytest.mark.parametrize("username", ["", "   ", "two words", "x" * 300])
def test_a_malformed_username_is_a_validation_error(db, username):
    """The view shows the message next to the username field."""
    with pytest.raises(ValidationFailed):
        signin.next_step_for(username)
