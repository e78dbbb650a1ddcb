"""Verified domains: a tenant proves it owns an e-mail domain, and its usernames become the tenant's.

Why: usernames are unique in the whole deployment and ``/login`` resolves
them across tenants, so without this one tenant could create
``newhire@b.example`` before tenant B, and send B's employee to its own IdP.

The rule (docs/security.md, "Cross-tenant usernames"):

* a tenant adds a domain and publishes ``ssoconsole-verification=<token>``
  as a TXT record at ``_ssoconsole.<domain>``; verifying reads it
  (:mod:`ssoconsole.tenancy.dns_proof`) and marks the domain verified;
* at most one tenant holds a domain verified;
* a username at a verified domain, or at any subdomain of it, can only be
  created in (or renamed into) the verifying tenant: :func:`verifying_tenant_id`
  tells which tenant that is, and ``accounts.services.check_username_domain``
  refuses in the one user-creation service that the console, API, CLI and
  SCIM share, before any look-up of the username, so the refusal is the
  same whether the username exists;
* users already at the domain in other tenants are not moved, changed or
  signed out: the verifying tenant's admins see how many there are
  (:func:`users_elsewhere`), never who.

Every add, verification (successful or not) and removal is audited.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable

from django.db import IntegrityError, transaction

from ssoconsole.audit.log import record
from ssoconsole.audit.models import Outcome
from ssoconsole.core import clock
from ssoconsole.tenancy import dns_proof
from ssoconsole.tenancy.errors import (
    DomainAlreadyAdded,
    DomainInvalid,
    DomainLimitReached,
    DomainLookupFailed,
    DomainNotFound,
    DomainRecordMismatch,
    DomainRecordMissing,
    DomainVerifiedByAnotherTenant,
)
from ssoconsole.tenancy.models import Tenant, TenantDomain

DOMAIN_MAX = 253
DOMAINS_PER_TENANT = 50
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def clean_domain(value) -> str:
    """Return ``value`` as a lower-case ASCII DNS name, or refuse it saying what a domain looks like."""
    if not isinstance(value, str) or not value.strip():
        raise DomainInvalid("Enter a domain such as example.com.", field="name")
    if len(value) > DOMAIN_MAX + 1:
        raise DomainInvalid(f"A domain has at most {DOMAIN_MAX} characters.", field="name")
    name = value.strip().lower().removesuffix(".")
    if len(name) > DOMAIN_MAX:
        raise DomainInvalid(f"A domain has at most {DOMAIN_MAX} characters.", field="name")
    labels = name.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise DomainInvalid(
            "Enter a domain such as example.com: letters, digits and hyphens in at least two "
            "labels separated by dots (enter an international domain in its xn-- form).",
            field="name",
        )
    return name


def _username_domain(username: str) -> str:
    """Return the domain part of ``username`` folded the widest way (NFKC, case-folded).

    Folding widely can only refuse more: a look-alike such as a fullwidth or
    Kelvin-sign domain counts as the verified domain it imitates.
    """
    domain = username.rpartition("@")[2]
    return unicodedata.normalize("NFKC", domain).casefold().removesuffix(".")


def _suffixes(domain: str) -> list[str]:
    """``a.b.example`` -> ``["a.b.example", "b.example", "example"]``: the domain and its parents."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def verifying_tenant_id(username: str):
    """Return the id of the tenant that verified the username's domain (or a parent), or ``None``."""
    if "@" not in username:
        return None
    found = (
        TenantDomain.objects.filter(
            name__in=_suffixes(_username_domain(username)), verified_at__isnull=False
        )
        .values_list("tenant_id", flat=True)
        .first()
    )
    return found


# Who counts the users of other tenants at a domain: the accounts app, which sits above tenancy
# and registers in its AppConfig.ready (tenancy imports no app above it).
_user_counters: list[Callable[[TenantDomain], int]] = []


def register_user_counter(counter: Callable[[TenantDomain], int]) -> None:
    """Let the app that owns users count those of other tenants at a domain."""
    if counter not in _user_counters:
        _user_counters.append(counter)


def users_elsewhere(domain: TenantDomain) -> int:
    """How many users of other tenants have a username at ``domain`` or a subdomain (no names)."""
    return sum(count(domain) for count in _user_counters)


def list_domains(tenant: Tenant) -> list[TenantDomain]:
    return list(TenantDomain.objects.filter(tenant=tenant))


def get_domain(tenant: Tenant, domain_id) -> TenantDomain:
    from ssoconsole.tenancy.services import _uuid

    try:
        return TenantDomain.objects.get(tenant=tenant, id=_uuid(domain_id, "domainId"))
    except TenantDomain.DoesNotExist:
        raise DomainNotFound("No domain with this id in your tenant.") from None


def _snapshot(domain: TenantDomain) -> dict:
    return {"domain": domain.name, "verified": domain.verified}


@transaction.atomic
def add_domain(tenant: Tenant, name, *, actor=None, request=None) -> TenantDomain:
    """Add ``name`` to ``tenant`` as pending, with a fresh token to publish."""
    name = clean_domain(name)
    if TenantDomain.objects.filter(tenant=tenant, name=name).exists():
        raise DomainAlreadyAdded(
            f"{name} is already in your domains; publish its TXT record and verify it.",
            field="name",
        )
    if TenantDomain.objects.filter(tenant=tenant).count() >= DOMAINS_PER_TENANT:
        raise DomainLimitReached(
            f"A tenant can have at most {DOMAINS_PER_TENANT} domains; remove one you no longer use."
        )
    domain = TenantDomain(tenant=tenant, name=name, token=secrets.token_urlsafe(24))
    try:
        with transaction.atomic():
            domain.save()
    except IntegrityError:
        raise DomainAlreadyAdded(f"{name} is already in your domains.", field="name") from None
    record(
        "domain.added",
        tenant=tenant,
        actor=actor,
        target=domain,
        target_label=name,
        data={"after": _snapshot(domain)},
        request=request,
    )
    return domain


def _refuse(domain: TenantDomain, error, *, actor, request):
    record(
        "domain.verification_failed",
        tenant=domain.tenant,
        actor=actor,
        target=domain,
        target_label=domain.name,
        outcome=Outcome.FAILURE,
        reason_code=error.code,
        data={"domain": domain.name, "recordName": dns_proof.record_name(domain.name)},
        request=request,
    )
    return error


def _publish_hint(domain: TenantDomain) -> str:
    return (
        f"Publish a TXT record at {dns_proof.record_name(domain.name)} with the value "
        f"{dns_proof.record_value(domain.token)} at your DNS provider, wait for it to appear, "
        "and verify again."
    )


def verify_domain(domain: TenantDomain, *, actor=None, request=None) -> TenantDomain:
    """Look up the domain's TXT record; on a match mark it verified (again) and audit it.

    A verified domain can be verified again (the record is checked anew and the
    check audited); a failed re-check keeps it verified, since removing the
    record is no reason to give the domain's usernames to anyone else.
    """
    holder = (
        TenantDomain.objects.filter(name=domain.name, verified_at__isnull=False)
        .exclude(tenant_id=domain.tenant_id)
        .exists()
    )
    if holder:
        raise _refuse(
            domain,
            DomainVerifiedByAnotherTenant(
                f"{domain.name} is verified by another tenant of this deployment. If your "
                "organization owns it now, ask the operator of this deployment to transfer it."
            ),
            actor=actor,
            request=request,
        )
    name = dns_proof.record_name(domain.name)
    expected = dns_proof.record_value(domain.token)
    found = dns_proof.lookup_txt(name)
    if found.error:
        raise _refuse(
            domain,
            DomainLookupFailed(
                f"The DNS lookup of {name} failed: {found.error}. Try again in a few minutes; "
                "if it keeps failing, ask the operator to check SSOCONSOLE_DNS_NAMESERVERS."
            ),
            actor=actor,
            request=request,
        )
    if found.missing:
        raise _refuse(
            domain,
            DomainRecordMissing(f"There is no TXT record at {name}. {_publish_hint(domain)}"),
            actor=actor,
            request=request,
        )
    if expected not in found.found:
        raise _refuse(
            domain,
            DomainRecordMismatch(
                f"The TXT records at {name} do not hold this tenant's value. "
                f"{_publish_hint(domain)}"
            ),
            actor=actor,
            request=request,
        )
    again = domain.verified
    now = clock.now()
    try:
        with transaction.atomic():
            TenantDomain.objects.filter(id=domain.id).update(
                verified_at=domain.verified_at or now, checked_at=now
            )
    except IntegrityError:
        raise _refuse(
            domain,
            DomainVerifiedByAnotherTenant(
                f"{domain.name} was verified by another tenant a moment ago."
            ),
            actor=actor,
            request=request,
        ) from None
    domain.refresh_from_db()
    record(
        "domain.reverified" if again else "domain.verified",
        tenant=domain.tenant,
        actor=actor,
        target=domain,
        target_label=domain.name,
        data={
            "after": _snapshot(domain),
            "recordName": name,
            "usersInOtherTenants": users_elsewhere(domain),
        },
        request=request,
    )
    return domain


@transaction.atomic
def remove_domain(domain: TenantDomain, *, actor=None, request=None) -> None:
    """Remove the domain; its usernames are then open to every tenant again, as before."""
    before = _snapshot(domain)
    record(
        "domain.removed",
        tenant=domain.tenant,
        actor=actor,
        target=domain,
        target_label=domain.name,
        data={"before": before},
        request=request,
    )
    domain.delete()
