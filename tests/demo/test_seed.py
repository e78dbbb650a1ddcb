"""``ssoconsole demo`` seeding: idempotent, SSO unconfigured by default, and ``--configured`` really signs users in."""

from __future__ import annotations

import stat

import pytest
from django.test import Client

from ssoconsole import demo
from ssoconsole.accounts.models import User
from ssoconsole.audit.models import AuditEvent
from ssoconsole.devidp import services as devidp
from ssoconsole.devidp.access import admin_password
from ssoconsole.devidp.models import AppAssignment, Directory, DirectoryUser, EnterpriseApp
from ssoconsole.sso import org_usage
from ssoconsole.sso.models import AuthProvider, MetadataSource
from ssoconsole.sso.sp_identity import sp_urls
from ssoconsole.tenancy.models import Organization, Tenant
from ssoconsole.tenancy.services import effective_sso_of, top_org

from .flow import sso_sign_in

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Count everything the demo creates, to compare two runs."""
    return {
        "tenants": Tenant.objects.count(),
        "orgs": Organization.objects.count(),
        "users": User.objects.count(),
        "directories": Directory.objects.count(),
        "directory_users": DirectoryUser.objects.count(),
        "apps": EnterpriseApp.objects.count(),
        "assignments": AppAssignment.objects.count(),
        "providers": AuthProvider.objects.count(),
        "audit": AuditEvent.objects.count(),
        "org_settings": sorted(
            (o.name, o.sso_mode, str(o.sso_provider_id)) for o in Organization.objects.all()
        ),
    }


def test_seeding_twice_gives_the_same_result(demo_settings):
    """A second run creates nothing, changes nothing and prints the same credentials."""
    first = demo.seed_demo()
    before = snapshot()
    second = demo.seed_demo()
    assert snapshot() == before
    assert (first.admin_password, first.devidp_admin_password) == (
        second.admin_password,
        second.devidp_admin_password,
    )
    assert first.directory_users == second.directory_users
    assert before["tenants"] == 1 and before["directories"] == 1


def test_the_fresh_demo_leaves_sso_for_the_newcomer(demo_settings):
    """By default nothing about SSO exists: no app in the dev IdP, no provider, every org on password sign-in."""
    info = demo.seed_demo()
    assert not EnterpriseApp.objects.exists() and not AuthProvider.objects.exists()
    assert all(
        not effective_sso_of(org).uses_sso
        for org in Organization.objects.filter(tenant=info.tenant)
    )
    names = {o.name for o in Organization.objects.filter(tenant=info.tenant)}
    assert {demo.TEST_ORG, demo.PRODUCTION_ORG} <= names
    text = demo.banner(info)
    assert "Next: follow docs/admin-guide.md (the tutorial) from Step 1" in text


def test_the_directory_mirrors_the_demo_users_and_every_printed_password_works(demo_settings):
    """Each SSO user of the demo has a dev IdP user with the same UPN; the banner's passwords sign in."""
    info = demo.seed_demo()
    upns = {u.upn.lower() for u in DirectoryUser.objects.filter(directory=info.directory)}
    sso_users = {u.lower() for u, *_ in demo.DEMO_USERS}
    assert sso_users <= upns
    assert info.directory.name == "Demo Company directory"
    for cred in info.directory_users:
        assert devidp.check_credentials(info.directory, cred.upn, cred.password) is not None
    admin = User.objects.get(username__iexact=info.admin_username)
    assert admin.check_password(info.admin_password) and admin.local_sign_in
    assert info.devidp_admin_password == admin_password()
    text = demo.banner(info)
    for value in (
        info.login_url,
        info.admin_username,
        info.admin_password,
        info.devidp_admin_url,
        info.devidp_admin_password,
        *(c.upn for c in info.directory_users),
        *(c.password for c in info.directory_users),
    ):
        assert value in text


def test_passwords_are_generated_into_the_data_directory_with_mode_0600(demo_settings):
    """No fixed password in the code: each one is a file only its owner can read."""
    info = demo.seed_demo()
    files = sorted(
        p.name for p in demo_settings.SSOCONSOLE_DATA_DIR.iterdir() if "password" in p.name
    )
    assert "demo_admin_password" in files and "devidp_admin_password" in files
    assert len([f for f in files if f.startswith("demo_idp_password.")]) == len(
        info.directory_users
    )
    for name in files:
        path = demo_settings.SSOCONSOLE_DATA_DIR / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    assert len({c.password for c in info.directory_users}) == len(info.directory_users)


def test_a_replaced_data_directory_makes_the_printed_passwords_true_again(
    demo_settings, tmp_path_factory
):
    """A kept database with a new data directory (new password files) must not print passwords that fail."""
    demo.seed_demo()
    demo_settings.SSOCONSOLE_DATA_DIR = tmp_path_factory.mktemp("new-data-dir")
    info = demo.seed_demo()
    assert User.objects.get(username__iexact=info.admin_username).check_password(
        info.admin_password
    )
    for cred in info.directory_users:
        assert devidp.check_credentials(info.directory, cred.upn, cred.password) is not None


def test_configured_does_the_seven_steps(demo_settings):
    """--configured: the app carries the SP values, the provider comes from the metadata URL, mapped, on both orgs."""
    info = demo.seed_demo()
    done = demo.configure_demo(info)
    sp = sp_urls(info.tenant)
    app = done.app
    assert (app.identifier, app.reply_urls, app.sign_on_url) == (
        sp["entityId"],
        [sp["acsUrl"]],
        sp["loginUrl"],
    )
    assert (app.enabled_for_sign_in, app.assignment_required, app.visible_to_users) == (
        True,
        False,
        False,
    )
    assert (
        AppAssignment.objects.filter(app=app).count()
        == DirectoryUser.objects.filter(directory=info.directory).count()
    )
    provider = done.provider
    assert provider.metadata_source == MetadataSource.URL
    assert provider.metadata_url == devidp.federation_metadata_url(app)
    assert provider.entity_id == devidp.entity_id(info.directory)
    assert (provider.use_default_mapping, provider.username_attribute) == (
        False,
        demo.MAPPING["username"],
    )
    in_use = {org.name: directly for org, directly in org_usage.orgs_in_use(provider)}
    assert in_use == {demo.TEST_ORG: True, demo.PRODUCTION_ORG: True}
    assert not effective_sso_of(top_org(info.tenant)).uses_sso  # the admin's org keeps passwords
    assert "SSO is configured" in demo.banner(info, done)
    # The tutorial's agent side is one command away (docs/agents.md, "Try it").
    assert "ssoconsole-agent login --server " in demo.banner(info, done)


def test_configured_twice_gives_the_same_result(demo_settings):
    """A second --configured run finds the app and provider it made and writes nothing (not even audit events)."""
    info = demo.seed_demo()
    first = demo.configure_demo(info)
    before = snapshot()
    second = demo.configure_demo(demo.seed_demo())
    assert snapshot() == before
    assert (second.app.id, second.provider.id) == (first.app.id, first.provider.id)


def test_configured_after_a_base_url_change_follows_the_new_urls(demo_settings):
    """Serving the demo on another port changes the SP values; --configured corrects the app and the provider."""
    info = demo.seed_demo()
    first = demo.configure_demo(info)
    demo_settings.SSOCONSOLE_BASE_URL = "http://127.0.0.1:8111"
    second = demo.configure_demo(demo.seed_demo())
    assert second.app.id == first.app.id and second.provider.id == first.provider.id
    assert (
        second.app.identifier
        == sp_urls(info.tenant)["entityId"]
        == f"http://127.0.0.1:8111/{info.tenant.id}"
    )
    assert second.provider.sso_url_redirect.startswith("http://127.0.0.1:8111/devidp/")
    assert AuthProvider.objects.count() == 1 and EnterpriseApp.objects.count() == 1


def test_configured_lets_the_demo_users_sign_in_through_the_dev_idp(demo_settings):
    """The configuration works end to end: login URL → dev IdP → ACS signs the test user in to the console."""
    info = demo.seed_demo()
    demo.configure_demo(info)
    password = {c.upn: c.password for c in info.directory_users}
    for username in ("test.user@demo.example", "alex.wong@demo.example"):
        client = Client()
        done = sso_sign_in(client, username, password[username])
        assert done.status_code in (302, 303), done.content[:800]
        me = client.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["username"] == username


def test_configured_points_the_dev_idp_provisioning_at_the_tenants_scim_endpoint(demo_settings):
    """--configured also fills Provisioning › Admin Credentials, with a token the console accepts."""
    from ssoconsole.devidp.models import ProvisioningConfig
    from ssoconsole.scim.schema import base_url
    from ssoconsole.scim.tokens import token_for

    info = demo.seed_demo()
    done = demo.configure_demo(info)
    config = ProvisioningConfig.objects.get(app=done.app)
    assert config.tenant_url == base_url(info.tenant.id)
    assert token_for(config.secret_token).tenant_id == info.tenant.id
    demo.configure_demo(info)
    assert ProvisioningConfig.objects.get(app=done.app).secret_token == config.secret_token
    assert "Provision now" in demo.banner(info, done)
