"""Verified domains: the DNS proof, one verifying tenant per domain, and the username rule.

The DNS answers come from the loopback server of tests/loopback_dns.py
(the ``dns`` fixture); no lookup leaves the machine.
"""

from __future__ import annotations

import pytest

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.errors import UsernameDomainVerifiedElsewhere, UsernameTaken
from ssoconsole.audit.models import AuditEvent
from ssoconsole.tenancy import dns_proof, domains
from ssoconsole.tenancy import services as tenancy
from ssoconsole.tenancy.errors import (
    DomainAlreadyAdded,
    DomainInvalid,
    DomainLookupFailed,
    DomainRecordMismatch,
    DomainRecordMissing,
    DomainVerifiedByAnotherTenant,
)

pytestmark = pytest.mark.django_db


def publish(dns, domain) -> None:
    dns.publish(dns_proof.record_name(domain.name), dns_proof.record_value(domain.token))


@pytest.fixture
def owner(db):
    return tenancy.create_tenant("B Corp", actor_label="test")


@pytest.fixture
def verified(dns, owner):
    domain = domains.add_domain(owner, "b.example")
    publish(dns, domain)
    return domains.verify_domain(domain)


def test_the_record_is_a_txt_at_the_ssoconsole_name_holding_the_token():
    assert dns_proof.record_name("b.example") == "_ssoconsole.b.example"
    assert dns_proof.record_value("abc") == "ssoconsole-verification=abc"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("B.Example", "b.example"), (" b.example. ", "b.example"), ("xn--bcher-kva.example", None)],
)
def test_domains_are_stored_lower_case_without_the_root_dot(typed, stored):
    assert domains.clean_domain(typed) == (stored or typed)


@pytest.mark.parametrize(
    "typed",
    ["", "example", "-b.example", "b_c.example", "bücher.example", "a@b.example", "a" * 254],
)
def test_what_is_not_a_domain_is_refused_saying_what_one_looks_like(typed):
    with pytest.raises(DomainInvalid) as refused:
        domains.clean_domain(typed)
    assert "example.com" in refused.value.message or "253" in refused.value.message


def test_each_domain_gets_its_own_unguessable_token(owner, tenant):
    a = domains.add_domain(owner, "b.example")
    b = domains.add_domain(tenant, "b.example")
    assert a.token != b.token and len(a.token) >= 32
    with pytest.raises(DomainAlreadyAdded):
        domains.add_domain(owner, "B.example")


def test_a_published_record_verifies_the_domain_and_is_audited(verified):
    assert verified.verified
    event = AuditEvent.objects.get(action="domain.verified")
    assert event.data["recordName"] == "_ssoconsole.b.example"
    assert verified.token not in str(event.data)


def test_a_missing_record_is_refused_naming_the_record_to_publish(dns, owner):
    domain = domains.add_domain(owner, "b.example")
    with pytest.raises(DomainRecordMissing) as refused:
        domains.verify_domain(domain)
    assert f"at _ssoconsole.b.example with the value ssoconsole-verification={domain.token}" in (
        refused.value.message
    )
    assert not type(domain).objects.get(id=domain.id).verified
    assert AuditEvent.objects.filter(
        action="domain.verification_failed", reason_code="domain_record_missing"
    ).exists()


def test_a_wrong_value_is_refused_naming_the_value_to_publish(dns, owner):
    domain = domains.add_domain(owner, "b.example")
    dns.publish("_ssoconsole.b.example", "ssoconsole-verification=someone-else", "v=spf1 -all")
    with pytest.raises(DomainRecordMismatch) as refused:
        domains.verify_domain(domain)
    assert f"ssoconsole-verification={domain.token}" in refused.value.message


def test_a_failing_dns_server_is_reported_as_a_lookup_failure(dns, owner):
    domain = domains.add_domain(owner, "b.example")
    dns.fail("_ssoconsole.b.example")
    with pytest.raises(DomainLookupFailed) as refused:
        domains.verify_domain(domain)
    assert "SSOCONSOLE_DNS_NAMESERVERS" in refused.value.message


def test_a_domain_is_verified_by_one_tenant_only(dns, verified, tenant):
    mine = domains.add_domain(tenant, "b.example")
    publish(dns, mine)
    with pytest.raises(DomainVerifiedByAnotherTenant):
        domains.verify_domain(mine)
    assert not type(mine).objects.get(id=mine.id).verified


def test_checking_again_keeps_the_first_verification_time_and_is_audited(dns, verified):
    first = verified.verified_at
    again = domains.verify_domain(verified)
    assert again.verified_at == first
    assert AuditEvent.objects.filter(action="domain.reverified").count() == 1


def test_a_failed_re_check_keeps_the_domain_verified(dns, verified):
    dns.clear()
    with pytest.raises(DomainRecordMissing):
        domains.verify_domain(verified)
    assert type(verified).objects.get(id=verified.id).verified


@pytest.mark.parametrize(
    "username", ["newhire@b.example", "NewHire@B.EXAMPLE", "x@eu.b.example", "x@deep.eu.b.example"]
)
def test_another_tenant_cannot_create_a_username_at_a_verified_domain(
    verified, tenant, top_org, username
):
    with pytest.raises(UsernameDomainVerifiedElsewhere):
        accounts.create_user(tenant, username, org=top_org)


def test_the_refusal_is_the_same_whether_or_not_the_username_exists(
    verified, owner, tenant, top_org
):
    accounts.create_user(owner, "exists@b.example", org=tenancy.top_org(owner))
    answers = []
    for username in ("exists@b.example", "nobody@b.example"):
        with pytest.raises(UsernameDomainVerifiedElsewhere) as refused:
            accounts.create_user(tenant, username, org=top_org)
        answers.append(refused.value.as_dict())
    assert answers[0] == answers[1]


def test_the_verifying_tenant_creates_its_usernames(verified, owner):
    user = accounts.create_user(owner, "newhire@b.example", org=tenancy.top_org(owner))
    assert user.tenant_id == owner.id


def test_a_rename_into_a_verified_domain_is_refused_elsewhere(verified, make_user):
    user = make_user("someone@a.example")
    with pytest.raises(UsernameDomainVerifiedElsewhere):
        accounts.update_user(user, username="someone@b.example")


def test_unverified_domains_work_as_before(dns, owner, tenant, top_org):
    domains.add_domain(owner, "b.example")  # pending: no rule yet
    accounts.create_user(tenant, "early@b.example", org=top_org)
    with pytest.raises(UsernameTaken):
        accounts.create_user(owner, "early@b.example", org=tenancy.top_org(owner))


def test_existing_users_elsewhere_stay_and_are_counted_not_named(
    dns, owner, tenant, top_org, make_user
):
    squatter = make_user("newhire@b.example")
    make_user("x@eu.b.example")
    make_user("x@notb.example")
    domain = domains.add_domain(owner, "b.example")
    publish(dns, domain)
    domains.verify_domain(domain)
    assert domains.users_elsewhere(domain) == 2
    assert AuditEvent.objects.get(action="domain.verified").data["usersInOtherTenants"] == 2
    squatter.refresh_from_db()
    assert squatter.tenant_id == tenant.id and squatter.is_active
    accounts.update_user(squatter, first_name="Still editable")


def test_removing_a_domain_opens_its_usernames_again_and_is_audited(verified, tenant, top_org):
    domains.remove_domain(verified)
    accounts.create_user(tenant, "later@b.example", org=top_org)
    assert AuditEvent.objects.filter(action="domain.removed").exists()
