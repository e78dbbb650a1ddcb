"""Finding 1: cross-tenant username squatting, attacked over HTTP on the live server.

The attack: an org-admin of tenant A creates ``newhire@b.example`` before
tenant B does; B then gets 409 for its own employee, ``/login`` sends the
real person to A's IdP, and the 409 tells A whether a B username exists.
Now B verifies b.example with a DNS TXT record (answered by a DNS server this
test starts on loopback), and A's attempt is refused with one answer whether
or not the username exists, while B creates its employee.
"""

from __future__ import annotations

import pytest

from ssoconsole.accounts.models import User
from ssoconsole.accounts.roles import Role
from ssoconsole.tenancy import services as tenancy

from .live import Api, Browser

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tenant_b(other_tenant):
    return other_tenant


@pytest.fixture
def b_identity_admin(app_url, make_user, tenant_b, api_token_for):
    admin = make_user("ida@b.example", roles=[Role.IDENTITY_ADMIN], tenant=tenant_b)
    return Api(app_url, api_token_for(admin))


@pytest.fixture
def b_org_admin(app_url, make_user, tenant_b, api_token_for):
    admin = make_user("hr@b.example", roles=[Role.ORG_ADMIN], tenant=tenant_b)
    return Api(app_url, api_token_for(admin))


@pytest.fixture
def a_org_admin_user(make_user):
    return make_user("admin@a.example", roles=[Role.ORG_ADMIN])


@pytest.fixture
def a_org_admin(app_url, a_org_admin_user, api_token_for):
    return Api(app_url, api_token_for(a_org_admin_user))


def _verify_b_example(dns, b_identity_admin) -> dict:
    added = b_identity_admin("POST", "/domains", {"name": "b.example"})
    assert added.status_code == 201, added.text
    domain = added.json()
    assert domain["status"] == "pending" and domain["recordName"] == "_ssoconsole.b.example"
    dns.publish(domain["recordName"], domain["recordValue"])
    verified = b_identity_admin("POST", f"/domains/{domain['id']}/verify")
    assert verified.status_code == 200 and verified.json()["status"] == "verified", verified.text
    return verified.json()


def test_a_missing_or_wrong_record_is_refused_saying_what_to_publish(dns, b_identity_admin):
    domain = b_identity_admin("POST", "/domains", {"name": "b.example"}).json()
    wanted = f"at _ssoconsole.b.example with the value {domain['recordValue']}"
    missing = b_identity_admin("POST", f"/domains/{domain['id']}/verify")
    assert missing.status_code == 409
    assert missing.json()["error"]["code"] == "domain_record_missing"
    assert wanted in missing.json()["error"]["message"]
    dns.publish("_ssoconsole.b.example", "ssoconsole-verification=not-this-tenants")
    wrong = b_identity_admin("POST", f"/domains/{domain['id']}/verify")
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "domain_record_mismatch"
    assert wanted in wrong.json()["error"]["message"]
    listed = b_identity_admin("GET", "/domains").json()
    assert [d["status"] for d in listed] == ["pending"]


def test_after_b_verifies_its_domain_a_cannot_squat_and_learns_nothing(
    dns, b_identity_admin, b_org_admin, a_org_admin, top_org, tenant_b
):
    _verify_b_example(dns, b_identity_admin)
    b_org = str(tenancy.top_org(tenant_b).id)
    existing = b_org_admin("POST", "/users", {"username": "ceo@b.example", "orgId": b_org})
    assert existing.status_code == 201, existing.text
    a_org = str(top_org.id)

    squat = a_org_admin("POST", "/users", {"username": "newhire@b.example", "orgId": a_org})
    probe = a_org_admin("POST", "/users", {"username": "CEO@b.example", "orgId": a_org})
    assert squat.status_code == probe.status_code == 403
    assert squat.json() == probe.json()
    assert squat.json()["error"]["code"] == "username_domain_verified_elsewhere"
    assert not User.objects.filter(tenant=top_org.tenant, username__iendswith="@b.example")

    hired = b_org_admin("POST", "/users", {"username": "newhire@b.example", "orgId": b_org})
    assert hired.status_code == 201, hired.text
    assert User.objects.get(username="newhire@b.example").tenant_id != top_org.tenant_id


def test_the_console_form_refuses_the_squat_too(
    app_url, dns, b_identity_admin, a_org_admin_user, password, top_org
):
    _verify_b_example(dns, b_identity_admin)
    browser = Browser(app_url).sign_in(a_org_admin_user.username, password)
    response = browser.submit(
        "/console/users/new/", {"username": "newhire@b.example", "org": str(top_org.id)}
    )
    assert response.status_code == 200
    assert "can only be created by the organization that verified the domain" in response.text
    assert not User.objects.filter(username__iexact="newhire@b.example").exists()


def test_a_user_created_before_verification_keeps_working_and_is_counted(
    app_url, dns, b_identity_admin, make_user, password
):
    early = make_user("early@b.example")  # in tenant A, before B verified
    pending = b_identity_admin("POST", "/domains", {"name": "b.example"}).json()
    assert pending["usersInOtherTenants"] == 0  # a mere claim learns nothing about other tenants
    b_identity_admin("DELETE", f"/domains/{pending['id']}")
    domain = _verify_b_example(dns, b_identity_admin)
    assert domain["usersInOtherTenants"] == 1
    assert "early@b.example" not in str(b_identity_admin("GET", "/domains").json())
    Browser(app_url).sign_in(early.username, password)
