"""Fixtures of the identity-management tests: a tenant with an org tree, an admin, IdP certificates, an HTTPS IdP."""

from __future__ import annotations

import pytest

from . import helpers

# Django modules are imported inside the fixtures: this conftest is loaded before
# pytest-django has configured settings.


@pytest.fixture
def tenant(db):
    from ssoconsole.tenancy.services import create_tenant

    return create_tenant("Acme")


@pytest.fixture
def other_tenant(db):
    from ssoconsole.tenancy.services import create_tenant

    return create_tenant("Globex")


@pytest.fixture
def top(tenant):
    from ssoconsole.tenancy.services import top_org

    return top_org(tenant)


@pytest.fixture
def orgs(tenant, top):
    """Acme > Sales > Sales EU, and Acme > Test (the tutorial's test org)."""
    from ssoconsole.tenancy.services import create_org

    sales = create_org(tenant, "Sales")
    eu = create_org(tenant, "Sales EU", parent_id=sales.id)
    test = create_org(tenant, "Test")
    return {"top": top, "sales": sales, "eu": eu, "test": test}


@pytest.fixture
def admin(tenant, top):
    from ssoconsole.accounts.models import RoleAssignment, User

    user = User.objects.create(tenant=tenant, org=top, username="idadmin@acme.test")
    RoleAssignment.objects.create(user=user, role="identity-admin")
    return user


@pytest.fixture(scope="session")
def idp_certs():
    """Three current IdP signing certificates (for rollover tests) and one expired one."""
    return {
        "a": helpers.make_cert("IdP signing A")[1],
        "b": helpers.make_cert("IdP signing B")[1],
        "c": helpers.make_cert("IdP signing C")[1],
        "expired": helpers.make_cert("IdP signing old", days_valid=-10, days_before=400)[1],
        "expiring": helpers.make_cert("IdP signing soon", days_valid=10)[1],
    }


@pytest.fixture
def metadata_a(idp_certs) -> bytes:
    return helpers.idp_metadata(certs=[idp_certs["a"]])


@pytest.fixture
def file_provider(tenant, admin, metadata_a):
    from ssoconsole.sso.providers import create_provider

    return create_provider(tenant, "Entra ID", metadata_xml=metadata_a, actor=admin)


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory):
    return helpers.make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def https_idp(test_ca, tmp_path):
    server = helpers.HTTPSServer(test_ca, tmp_path)
    yield server
    server.close()


@pytest.fixture
def fetcher(test_ca):
    """A fetcher that trusts only the test CA and, as in local development, allows 127.0.0.1."""
    from ssoconsole.sso.metadata_fetch import MetadataFetcher

    return MetadataFetcher(
        allow_private=True,
        ssl_context=test_ca.client_context(),
        connect_timeout=2,
        read_timeout=2,
        deadline=5,
    )


@pytest.fixture
def console(app_url, settings, https_idp, test_ca, clock, tenant, make_user, identity_admin_token):
    """The live console, an API session as identity admin, and the SSO user's org (not wired yet).

    The console may fetch metadata from the loopback https server, trusting
    the test CA (the in-process equivalent of SSOCONSOLE_METADATA_CA_BUNDLE and
    SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS).
    """
    import requests

    from ssoconsole.tenancy.services import create_org

    from .lifecycle_support import USERNAME, Console

    settings.SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS = True
    settings.SSOCONSOLE_METADATA_CA_BUNDLE = str(test_ca.pem_path)
    org = create_org(tenant, "Engineering")
    make_user(USERNAME, org=org, password=None)
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {identity_admin_token}"
    return Console(app_url, api, https_idp, tenant, org, clock)
