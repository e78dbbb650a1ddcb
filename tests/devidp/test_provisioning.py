"""The dev IdP's provisioning job pushes its directory to a tenant's SCIM endpoint, Entra-style, over HTTP."""

from __future__ import annotations

import socket

import pytest
from django.urls import reverse

from ssoconsole.accounts.models import User
from ssoconsole.devidp import provisioning, services
from ssoconsole.devidp.models import ProvisioningLogEntry
from ssoconsole.scim.models import ScimRequestLog
from ssoconsole.scim.tokens import create_token

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scoped_app(directory, alice, bob):
    app = services.create_app(directory, "ssoconsole provisioning", assignment_required=True)
    services.assign(app, alice)
    services.assign(app, bob)
    return app


@pytest.fixture
def connected(scoped_app, tenant, live_server):
    token = create_token(tenant, name="dev IdP", actor_label="test")[0]
    provisioning.configure(
        scoped_app, tenant_url=f"{live_server.url}/scim/v2/{tenant.id}", secret_token=token
    )
    return scoped_app


def _log(app):
    return [
        (e.action, e.upn, e.status)
        for e in ProvisioningLogEntry.objects.filter(app=app).order_by("id")
    ]


def test_provision_now_creates_then_updates_then_disables_out_of_scope_users(
    admin_client, connected, directory, alice, bob, tenant
):
    run = reverse("devidp:app_provision_now", args=[directory.id, connected.id])
    assert admin_client.post(run).status_code == 302
    created = User.objects.get(username="bob@contoso.example")
    assert created.tenant_id == tenant.id and created.email == "bob.brown@mail.example"
    assert (created.first_name, created.last_name) == ("Bob", "Brown")
    assert _log(connected) == [
        ("Create", "alice@contoso.example", "Success"),
        ("Create", "bob@contoso.example", "Success"),
    ]
    # The console saw Entra's sequence: the lookup by userName, then the POST.
    methods = list(
        ScimRequestLog.objects.filter(tenant=tenant).order_by("id").values_list("method", flat=True)
    )
    assert methods == ["GET", "POST", "GET", "POST"]

    bob.surname = "Brown-Smith"
    bob.save()
    services.unassign(connected, alice)
    admin_client.post(run)
    assert User.objects.get(username="bob@contoso.example").last_name == "Brown-Smith"
    assert User.objects.get(username="alice@contoso.example").is_active is False
    assert _log(connected)[2:] == [
        ("Update", "bob@contoso.example", "Success"),
        ("Disable", "alice@contoso.example", "Success"),
    ]
    page = admin_client.get(reverse("devidp:app_provisioning", args=[directory.id, connected.id]))
    assert "Changed name.familyName" in page.content.decode()


def test_a_refusal_of_the_target_is_logged_with_its_detail(
    connected, directory, make_user, other_tenant
):
    make_user("bob@contoso.example", tenant=other_tenant)
    result = provisioning.run_cycle(connected)
    assert result.created == 1 and result.failed == 1
    failure = ProvisioningLogEntry.objects.get(app=connected, status="Failure")
    assert failure.http_status == 409 and "another tenant" in failure.detail


def test_an_unreachable_tenant_url_is_one_connect_failure(scoped_app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    provisioning.configure(
        scoped_app, tenant_url=f"http://127.0.0.1:{port}/scim/v2/x", secret_token="t"
    )
    result = provisioning.run_cycle(scoped_app)
    assert result.failed == 1
    assert _log(scoped_app) == [("Connect", "", "Failure")]


def test_the_secret_token_is_never_shown_back(admin_client, connected, directory):
    token = connected.provisioning.secret_token
    page = admin_client.get(reverse("devidp:app_provisioning", args=[directory.id, connected.id]))
    assert page.status_code == 200 and token not in page.content.decode()
