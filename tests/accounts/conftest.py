"""Fixtures of the sign-in tests: orgs that use SSO, and a controllable SSO flow."""

from __future__ import annotations

import uuid

import pytest
from django.http import HttpResponse

from ssoconsole.accounts import signin
from ssoconsole.tenancy.models import Organization


@pytest.fixture
def sso_provider_id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def sso_org(make_org, sso_provider_id):
    """An org whose own setting is a provider (set directly: providers belong to the sso app)."""
    org = make_org("Uses SSO")
    Organization.objects.filter(id=org.id).update(
        sso_mode="provider", sso_provider_id=sso_provider_id
    )
    org.refresh_from_db()
    return org


@pytest.fixture
def sso_user(make_user, sso_org):
    """A user of ``sso_org`` who still has an old password from before the switch to SSO."""
    return make_user(org=sso_org)


@pytest.fixture
def no_sso_flow(monkeypatch):
    """The state before the sso app plugs in: nothing continues SSO sign-in."""
    monkeypatch.setattr(signin, "_sso_flow", None)


class RecordingFlow:
    """An SSO flow that answers with a marker response and remembers what it was asked."""

    def __init__(self) -> None:
        self.started: list = []

    def step_for(self, step):
        return step

    def start(self, request, step, *, next_url):
        self.started.append((step, next_url))
        return HttpResponse(
            f"to the IdP of {step.username}",
            status=302,
            headers={"Location": "https://idp.example/sso"},
        )


@pytest.fixture
def sso_flow(monkeypatch) -> RecordingFlow:
    flow = RecordingFlow()
    monkeypatch.setattr(signin, "_sso_flow", flow)
    return flow
