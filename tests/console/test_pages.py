"""Dashboard, Identity Management, account, layout and navigation."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def nav_labels(response) -> list[str]:
    return [item.label for item in response.context["console_nav"]]


@pytest.mark.parametrize(
    "role, labels",
    [
        (
            "identity-admin",
            ["Dashboard", "Organizations", "Users", "Identity Management", "Audit log"],
        ),
        ("org-admin", ["Dashboard", "Organizations", "Users", "Agents", "Audit log"]),
        ("user", ["Dashboard"]),
    ],
)
def test_navigation_shows_only_allowed_items(world, role, labels):
    response = world.client(role).get(reverse("console:dashboard"))
    assert nav_labels(response) == labels
    body = response.content.decode()
    assert (
        "Administration › Integrations" in body
        if "Identity Management" in labels
        else "Integrations" not in body
    )


def test_top_bar_has_tenant_and_sign_out_post_form(world):
    body = world.client("user").get(reverse("console:dashboard")).content.decode()
    assert "acme" in body
    assert '<form method="post" action="/logout">' in body
    assert "Sign Out" in body and "csrfmiddlewaretoken" in body


def test_active_nav_item_is_marked(world, acme_admin):
    body = acme_admin.get(reverse("console:org_detail", args=[world.child.id])).content.decode()
    assert 'href="/console/orgs/" class=" active" aria-current="page"' in body


def test_root_redirects(world):
    assert world.client("anonymous").get("/")["Location"] == "/login"
    assert world.client("user").get("/")["Location"] == reverse("console:dashboard")


def test_anonymous_goes_to_login_with_next(world):
    response = world.client("anonymous").get(reverse("console:user_list") + "?q=a")
    assert response["Location"] == "/login?next=%2Fconsole%2Fusers%2F%3Fq%3Da"


def test_dashboard_counts_for_admins(world, acme_admin):
    accounts.set_active(world.target, False)
    context = acme_admin.get(reverse("console:dashboard")).context
    assert (
        context["org_count"],
        context["user_count"],
        context["active_user_count"],
        context["sso_org_count"],
    ) == (3, 5, 4, 0)
    assert [e.action for e in context["events"]][:1] == ["user.deactivated"]
    assert context["sp_values"][0].value.endswith(f"/{world.tenant.id}")


def test_dashboard_user_counts_stop_at_the_lists_limit_and_say_more_than(
    world, acme_admin, monkeypatch
):
    """Counting a million users took a second per dashboard view; the lists stop at 10,000 too."""
    from ssoconsole.console.views import dashboard

    monkeypatch.setattr(dashboard, "COUNT_MAX", 4)
    accounts.set_active(world.target, False)
    response = acme_admin.get(reverse("console:dashboard"))
    context = response.context
    assert (context["user_count"], context["user_count_capped"]) == (4, True)
    assert (context["active_user_count"], context["active_user_count_capped"]) == (4, False)
    assert '<span class="stat-prefix">more than</span> 4</span><span class="stat-label">Users' in (
        response.content.decode()
    )


def test_dashboard_for_plain_user_shows_only_own_account(world):
    response = world.client("user").get(reverse("console:dashboard"))
    assert (
        "org_count" not in response.context
        and "events" not in response.context
        and "sp_values" not in response.context
    )
    assert "Manage your profile and API tokens" in response.content.decode()


@override_settings(SSOCONSOLE_BASE_URL="https://sso.example.com/base")
def test_identity_management_shows_sp_values_from_base_url_not_host(world, acme_identity_admin):
    response = acme_identity_admin.get(
        reverse("console:identity"), HTTP_HOST="evil.example", HTTP_X_FORWARDED_HOST="evil2.example"
    )
    body = response.content.decode()
    tid = world.tenant.id
    for value in (
        f"https://sso.example.com/base/sso/{tid}/metadata",
        f"https://sso.example.com/base/{tid}",
        f"https://sso.example.com/base/sso/{tid}/acs",
        "https://sso.example.com/base/login",
    ):
        assert value in body
    assert "evil" not in body
    assert body.count("data-copy-target=") == 4
    # Copy buttons start hidden: without JavaScript there is no button that does nothing.
    assert body.count(' hidden aria-label="Copy') == 4
    assert "No authentication providers" in body
    assert (
        reverse("console:identity_provider_add") in body
    )  # the first step once the IdP app is set up
    assert "Reply URL" in body and "Identifier (Entity ID)" in body


def test_account_page_lists_own_tokens_only(world):
    accounts.create_api_token(world.users["user"], name="mine")
    accounts.create_api_token(world.users["org-admin"], name="someone else's")
    body = world.client("user").get(reverse("console:account")).content.decode()
    assert "mine" in body and "someone else" not in body


def test_token_is_shown_once(world):
    client = world.client("user")
    response = client.post(reverse("console:token_create"), {"name": "backup script"})
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw.startswith("ssoc_") and raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=world.users["user"])
    assert token.name == "backup script" and raw not in token.token_hash
    assert accounts.user_for_token(raw) == world.users["user"]
    assert raw not in client.get(reverse("console:account")).content.decode()


def test_token_name_too_long_is_a_field_error(world):
    response = world.client("user").post(reverse("console:token_create"), {"name": "n" * 101})
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_revoke_token(world):
    raw, token = accounts.create_api_token(world.users["user"], name="old")
    client = world.client("user")
    response = client.post(reverse("console:token_revoke", args=[token.id]))
    assert response.status_code == 302
    assert accounts.user_for_token(raw) is None
    assert "revoked" in client.get(response["Location"]).content.decode()


def test_cannot_revoke_someone_elses_token(world):
    raw, token = accounts.create_api_token(world.users["org-admin"])
    response = world.client("user").post(reverse("console:token_revoke", args=[token.id]))
    assert response.status_code == 404
    assert accounts.user_for_token(raw) is not None


def test_the_site_has_a_favicon(client):
    """Browsers ask for /favicon.ico on every site; it is a small static icon, not a 404."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00" and len(body) < 4096  # an ICO file header
