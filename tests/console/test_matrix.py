"""Role matrix and tenant isolation over every console URL.

The URL list comes from the console's resolver, so a new page without an
entry in ``EXPECTED`` fails ``test_every_console_url_has_a_matrix_entry``.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import ApiToken, User
from ssoconsole.audit.models import AuditEvent
from ssoconsole.console import urls as console_urls
from ssoconsole.scim.models import GroupOrgMapping, ProvisioningSettings, ScimGroup, ScimToken
from ssoconsole.scim.tokens import create_token as create_scim_token
from ssoconsole.sso.models import AuthProvider
from ssoconsole.tenancy import domains
from ssoconsole.tenancy.models import Organization, TenantDomain

from .conftest import ALL_ROLES, add_provider, build_tenant

pytestmark = pytest.mark.django_db


def add_provisioning(world):
    """Give ``world`` a SCIM token and a provisioned group, so the Provisioning pages have ids."""
    world.scim_token = create_scim_token(world.tenant, name="Entra ID", actor_label="test")[1]
    world.scim_group = ScimGroup.objects.create(
        tenant=world.tenant,
        display_name="Engineers",
        display_name_key="engineers",
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return world


@pytest.fixture
def world(db):
    """The console's two-tenant set-up, each tenant with a provider, so the provider pages have an id."""
    return add_provisioning(add_provider(build_tenant("acme")))


@pytest.fixture
def other(db):
    return add_provisioning(add_provider(build_tenant("globex")))


OK, REDIRECT, FORBIDDEN, NOT_ALLOWED = 200, 302, 403, 405


def row(identity_admin, org_admin, user, anonymous=REDIRECT):
    return {
        "identity-admin": identity_admin,
        "org-admin": org_admin,
        "user": user,
        "anonymous": anonymous,
    }


# GET status per URL name and role. POST-only addresses answer 405 to a GET
# from a role that may use them, and 403 to one that may not.
EXPECTED = {
    "root": row(REDIRECT, REDIRECT, REDIRECT),
    "dashboard": row(OK, OK, OK),
    "org_list": row(OK, OK, FORBIDDEN),
    "org_create": row(FORBIDDEN, OK, FORBIDDEN),
    "org_detail": row(OK, OK, FORBIDDEN),
    "org_rename": row(FORBIDDEN, NOT_ALLOWED, FORBIDDEN),
    "org_move": row(FORBIDDEN, NOT_ALLOWED, FORBIDDEN),
    "org_authentication": row(NOT_ALLOWED, FORBIDDEN, FORBIDDEN),
    "user_list": row(OK, OK, FORBIDDEN),
    "user_create": row(FORBIDDEN, OK, FORBIDDEN),
    "user_detail": row(OK, OK, FORBIDDEN),
    "user_edit": row(FORBIDDEN, OK, FORBIDDEN),
    "user_deactivate": row(FORBIDDEN, OK, FORBIDDEN),
    "user_reactivate": row(FORBIDDEN, OK, FORBIDDEN),
    "identity": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_provider_add": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_sp_keys": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_domains": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_provider": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_provider_rename": row(NOT_ALLOWED, FORBIDDEN, FORBIDDEN),
    "identity_provider_refresh": row(NOT_ALLOWED, FORBIDDEN, FORBIDDEN),
    "identity_provider_metadata": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_provider_delete": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_provider_mapping": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_provider_orgs": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_provider_advanced": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_local_user_add": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_local_user_remove": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_provisioning": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_provisioning_token_create": row(NOT_ALLOWED, FORBIDDEN, FORBIDDEN),
    "identity_provisioning_token_revoke": row(NOT_ALLOWED, FORBIDDEN, FORBIDDEN),
    "identity_provisioning_rules": row(NOT_ALLOWED, FORBIDDEN, FORBIDDEN),
    "identity_provisioning_group_org": row(NOT_ALLOWED, FORBIDDEN, FORBIDDEN),
    "audit": row(OK, OK, FORBIDDEN),
    "agent_list": row(FORBIDDEN, OK, FORBIDDEN),
    "agent_revoke": row(NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "account": row(OK, OK, OK),
    "token_create": row(NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "token_revoke": row(NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
}

# What a POST by each role does to the write endpoints (200 = form page shown again).
POST_EXPECTED = {
    "org_create": row(FORBIDDEN, OK, FORBIDDEN),
    "org_rename": row(FORBIDDEN, REDIRECT, FORBIDDEN),
    "org_move": row(FORBIDDEN, REDIRECT, FORBIDDEN),
    "org_authentication": row(REDIRECT, FORBIDDEN, FORBIDDEN),
    "user_create": row(FORBIDDEN, OK, FORBIDDEN),
    "user_edit": row(FORBIDDEN, OK, FORBIDDEN),
    "user_deactivate": row(FORBIDDEN, REDIRECT, FORBIDDEN),
    "user_reactivate": row(FORBIDDEN, REDIRECT, FORBIDDEN),
    "identity_provider_add": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_sp_keys": row(REDIRECT, FORBIDDEN, FORBIDDEN),
    "identity_domains": row(REDIRECT, FORBIDDEN, FORBIDDEN),
    "identity_provider_rename": row(REDIRECT, FORBIDDEN, FORBIDDEN),
    "identity_provider_refresh": row(REDIRECT, FORBIDDEN, FORBIDDEN),
    "identity_provider_metadata": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_provider_delete": row(REDIRECT, FORBIDDEN, FORBIDDEN),
    "identity_provider_mapping": row(REDIRECT, FORBIDDEN, FORBIDDEN),
    "identity_provider_orgs": row(REDIRECT, FORBIDDEN, FORBIDDEN),
    "identity_provider_advanced": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_local_user_add": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_local_user_remove": row(REDIRECT, FORBIDDEN, FORBIDDEN),
    "identity_provisioning_token_create": row(OK, FORBIDDEN, FORBIDDEN),
    "identity_provisioning_token_revoke": row(REDIRECT, FORBIDDEN, FORBIDDEN),
    "identity_provisioning_rules": row(REDIRECT, FORBIDDEN, FORBIDDEN),
    "identity_provisioning_group_org": row(REDIRECT, FORBIDDEN, FORBIDDEN),
}


def console_patterns() -> list[URLPattern]:
    return [p for p in console_urls.urlpatterns if isinstance(p, URLPattern)]


def url_for(name: str, world, *, token_id=None) -> str:
    """Build the URL of ``name`` with ids of ``world`` filled in for its parameters."""
    pattern = next(p for p in console_patterns() if p.name == name)
    values = {
        "org_id": world.child.id,
        "user_id": world.target.id,
        "token_id": token_id,
        "provider_id": world.provider.id,
        "scim_token_id": world.scim_token.id,
        "group_id": world.scim_group.id,
    }
    kwargs = {key: values[key] for key in pattern.pattern.converters}
    return reverse(f"console:{name}", kwargs=kwargs)


def test_every_console_url_has_a_matrix_entry():
    """A page added to the console without an expected status per role fails here."""
    names = {p.name for p in console_patterns()}
    assert names == set(EXPECTED), (
        f"missing: {names - set(EXPECTED)}, stale: {set(EXPECTED) - names}"
    )
    for name in EXPECTED:
        assert set(EXPECTED[name]) == set(ALL_ROLES)


def test_every_view_declares_its_capability():
    """Each console view except ``/`` goes through ``console_view`` (the one authorization path)."""
    for pattern in console_patterns():
        if pattern.name == "root":
            continue
        assert hasattr(pattern.callback, "required_capability"), pattern.name


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_get_matrix(world, name, role):
    token_id = None
    if name == "token_revoke":
        owner = world.users.get(role) or world.users["user"]
        token_id = accounts.create_api_token(owner)[1].id
    response = world.client(role).get(url_for(name, world, token_id=token_id))
    assert response.status_code == EXPECTED[name][role], (name, role)
    if response.status_code == REDIRECT and role == "anonymous":
        assert response["Location"].startswith("/login")


def _post_data(name: str, world) -> dict:
    return {
        "org_create": {"name": "", "parent": str(world.top.id)},
        "org_rename": {"name": "Engineering renamed"},
        "org_move": {"parent": str(world.top.id)},
        "org_authentication": {"mode": "none"},
        "user_create": {"username": "", "org": str(world.top.id)},
        "user_edit": {"username": "", "org": str(world.top.id)},
        "user_deactivate": {},
        "user_reactivate": {},
        "identity_provider_add": {"display_name": "", "source": "url", "metadata_url": ""},
        "identity_sp_keys": {"purpose": "encryption", "action": "prepare"},
        "identity_domains": {"action": "add", "name": "matrix.example"},
        "identity_provider_rename": {"display_name": "Renamed IdP"},
        "identity_provider_refresh": {},
        "identity_provider_metadata": {"source": "url", "metadata_url": ""},
        "identity_provider_delete": {},
        "identity_provider_mapping": {"use_default": "on"},
        "identity_provider_orgs": {},
        "identity_provider_advanced": {},
        "identity_local_user_add": {"username": ""},
        "identity_local_user_remove": {},
        "identity_provisioning_token_create": {"name": "rotation"},
        "identity_provisioning_token_revoke": {},
        "identity_provisioning_rules": {
            "placement_attribute": "department",
            "default_org": "",
            "deactivation_delay_minutes": "5",
        },
        "identity_provisioning_group_org": {f"{world.scim_group.id}-org": str(world.child.id)},
    }[name]


def _snapshot():
    return (
        sorted(ScimToken.objects.values_list("id", "revoked_at")),
        sorted(ProvisioningSettings.objects.values_list("tenant_id", "placement_attribute")),
        sorted(GroupOrgMapping.objects.values_list("group_id", "org_id")),
        sorted(Organization.objects.values_list("id", "name", "parent_id", "sso_mode")),
        sorted(User.objects.values_list("id", "username", "is_active", "local_sign_in")),
        sorted(TenantDomain.objects.values_list("id", "name", "verified_at")),
        sorted(
            AuthProvider.objects.values_list(
                "id", "display_name", "use_default_mapping", "clock_skew_seconds"
            )
        ),
    )


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("name", sorted(POST_EXPECTED))
def test_post_matrix(world, name, role):
    """Roles without the capability get 403 (anonymous: the login page) and change nothing."""
    before = _snapshot()
    events = AuditEvent.objects.count()
    response = world.client(role).post(url_for(name, world), _post_data(name, world))
    assert response.status_code == POST_EXPECTED[name][role], (name, role)
    if POST_EXPECTED[name][role] == FORBIDDEN or role == "anonymous":
        assert _snapshot() == before
        assert AuditEvent.objects.count() == events


def test_token_revoke_post_by_each_role_only_touches_own_tokens(world):
    for role in ("identity-admin", "org-admin", "user"):
        mine = accounts.create_api_token(world.users[role])[1]
        response = world.client(role).post(url_for("token_revoke", world, token_id=mine.id))
        assert response.status_code == REDIRECT
        assert ApiToken.objects.get(id=mine.id).revoked_at is not None
    response = world.client("anonymous").post(url_for("token_revoke", world, token_id=mine.id))
    assert response.status_code == REDIRECT and response["Location"].startswith("/login")


# --- tenant isolation ---------------------------------------------------------------------------


def _id_patterns():
    return [p.name for p in console_patterns() if p.pattern.converters]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", _id_patterns())
def test_other_tenants_ids_are_not_found(world, other, name, method):
    """Every page that takes an id answers 404 for another tenant's org, user or token, and writes nothing."""
    foreign_token = accounts.create_api_token(other.users["org-admin"])[1]
    values = {
        "org_id": other.child.id,
        "user_id": other.target.id,
        "token_id": foreign_token.id,
        "provider_id": other.provider.id,
        "scim_token_id": other.scim_token.id,
        "group_id": other.scim_group.id,
    }
    pattern = next(p for p in console_patterns() if p.name == name)
    url = reverse(f"console:{name}", kwargs={k: values[k] for k in pattern.pattern.converters})
    before = _snapshot()
    client = world.client("both")
    if method == "get":
        response = client.get(url)
        post_only = {
            "org_rename",
            "org_move",
            "org_authentication",
            "token_create",
            "token_revoke",
            "identity_provider_rename",
            "identity_provider_refresh",
            "identity_provisioning_token_create",
            "identity_provisioning_token_revoke",
            "identity_provisioning_rules",
            "identity_provisioning_group_org",
        }
        expected = 405 if name in post_only else 404
    else:
        response = client.post(
            url,
            {
                "name": "Hijacked",
                "mode": "none",
                "parent": str(other.top.id),
                "username": "x",
                "display_name": "Hijacked",
                "use_default": "on",
                "use": str(other.top.id),
                "source": "url",
                "metadata_url": "https://login.microsoftonline.com/x/fm.xml",
            },
        )
        expected = 404
    assert response.status_code == expected, (name, method)
    assert _snapshot() == before
    assert ApiToken.objects.get(id=foreign_token.id).revoked_at is None


def test_moving_under_another_tenants_org_is_refused(world, other, acme_admin):
    response = acme_admin.post(url_for("org_move", world), {"parent": str(other.top.id)})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    world.child.refresh_from_db()
    assert world.child.parent_id == world.top.id


def test_creating_a_user_in_another_tenants_org_is_refused(world, other, acme_admin):
    response = acme_admin.post(
        reverse("console:user_create"), {"username": "sneaky", "org": str(other.child.id)}
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="sneaky").exists()


@pytest.mark.parametrize("action", ["verify", "remove"])
def test_another_tenants_domain_cannot_be_verified_or_removed(world, other, acme_admin, action):
    """The domain page takes its domain id from the form: another tenant's id is as absent as none."""
    foreign = domains.add_domain(other.tenant, "globex.example")
    response = acme_admin.post(
        reverse("console:identity_domains"), {"action": action, "domain": str(foreign.id)}
    )
    assert response.status_code == REDIRECT
    page = acme_admin.get(response["Location"]).content.decode()
    assert "No domain with this id in your tenant." in page and "globex.example" not in page
    assert TenantDomain.objects.filter(id=foreign.id, verified_at=None).exists()


def test_lists_never_show_other_tenants_rows(world, other, acme_admin):
    """Org tree, user list and search, audit log and dashboard counts see only the own tenant."""
    other_names = [
        other.tenant.name,
        other.target.username,
        other.users["user"].username,
        other.provider.display_name,
    ]
    pages = [
        reverse("console:org_list"),
        reverse("console:user_list"),
        reverse("console:user_list") + "?q=target",
        reverse("console:user_list") + f"?org={other.child.id}",
        reverse("console:audit"),
        reverse("console:audit") + "?actor=cli",
        reverse("console:dashboard"),
        reverse("console:org_create"),
        reverse("console:user_create"),
        reverse("console:identity"),
        reverse("console:identity_domains"),
        reverse("console:org_detail", args=[world.child.id]),
    ]
    for page in pages:
        body = acme_admin.get(page).content.decode()
        for name in other_names:
            assert name not in body, (page, name)
        assert str(other.child.id) not in body, page
    dashboard = acme_admin.get(reverse("console:dashboard"))
    assert dashboard.context["org_count"] == 3
    assert dashboard.context["user_count"] == 5


@pytest.mark.parametrize("name", sorted(n for n, r in EXPECTED.items() if OK in r.values()))
def test_every_post_form_carries_a_csrf_token(world, name):
    """Each page that renders a POST form puts a CSRF token inside every one of them."""
    import re

    for role in ("both", "org-admin", "identity-admin", "user"):
        response = world.client(role).get(url_for(name, world))
        if response.status_code != OK:
            continue
        forms = re.findall(
            r'<form[^>]*method="post"[^>]*>(.*?)</form>',
            response.content.decode(),
            re.DOTALL | re.IGNORECASE,
        )
        for form in forms:
            assert 'name="csrfmiddlewaretoken"' in form, (name, role)
