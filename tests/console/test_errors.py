"""Error pages say what happened and what to do, and never show a stack trace."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ssoconsole.accounts.models import User
from ssoconsole.tenancy.models import Organization

pytestmark = pytest.mark.django_db


def test_404_page(world):
    response = world.client("user").get("/console/nothing-here/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "This page does not exist" in body and "Go to the console" in body
    assert "Traceback" not in body


def test_403_page_names_the_missing_permission(world):
    response = world.client("user").get(reverse("console:audit"))
    assert response.status_code == 403
    assert "Read the audit log" in response.content.decode()


def test_405_page_for_get_on_a_form_address(world, acme_org_admin):
    response = acme_org_admin.get(reverse("console:org_rename", args=[world.child.id]))
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "only accepts form submissions" in response.content.decode()


def test_csrf_failure_page_and_nothing_written(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["org-admin"])
    response = client.post(
        reverse("console:org_create"), {"name": "Forged", "parent": str(world.top.id)}
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "The form could not be accepted" in body and "reload the page" in body
    assert not Organization.objects.filter(name="Forged").exists()


def test_500_page_has_no_stack_trace(world, monkeypatch):
    """A failing view shows the friendly 500 page (DEBUG is off), not Django's debug page."""
    from ssoconsole.console.views import dashboard

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(dashboard, "render", explode)
    client = Client(raise_request_exception=False)
    client.force_login(world.users["user"])
    response = client.get(reverse("console:dashboard"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_400_page_for_a_suspicious_request(world):
    client = Client()
    response = client.get("/console/", HTTP_HOST="bad host with spaces")
    assert response.status_code == 400
    assert "could not be understood" in response.content.decode()


def test_deactivated_users_session_goes_to_login(world):
    client = world.client("user")
    User.objects.filter(id=world.users["user"].id).update(is_active=False)
    assert client.get(reverse("console:dashboard"))["Location"].startswith("/login")


def test_anonymous_error_page_has_no_navigation(db):
    body = Client().get("/console/nothing-here/").content.decode()
    assert 'class="sidebar"' not in body and "Sign Out" not in body


@pytest.mark.parametrize("path", ["/static/console/console.css", "/static/console/console.js"])
def test_own_static_files_are_served(db, path):
    """The stylesheet and script come from this server (no CDN), so ``serve`` needs nothing else."""
    response = Client().get(path)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"http://" not in body and b"https://" not in body
