"""How to call each API operation in the matrix tests, and what each role gets.

Keys are ``(METHOD, path template)`` exactly as in the OpenAPI document; the
matrix tests fail when the document has an operation that is missing here,
so a new endpoint cannot ship without its access rules being stated.
"""

from __future__ import annotations

import uuid
from functools import cache

from agents import (
    helpers as agent_helpers,
)  # tests/agents/helpers.py: hand-offs and agents through the services
from sso import helpers  # tests/sso/helpers.py: IdP certificates and metadata made at test time

from ssoconsole.accounts import services as accounts

P = "/api/v1"
AP = f"{P}/auth-providers"


def own_token_id(world, role):
    """A fresh token of ``role``'s user in ``world`` (anonymous callers get the 'all' user's)."""
    return accounts.create_api_token(world.users[role or "all"], name="to revoke")[1].id


@cache
def idp_metadata_xml() -> str:
    """One IdP metadata document with a current signing certificate, made once per test run."""
    return helpers.idp_metadata(certs=[helpers.make_cert("Matrix IdP signing")[1]]).decode()


def provider_of(world):
    """The world's provider for the matrix, created on first use.

    Its metadata is marked as coming from a URL on a host that is no standard
    IdP domain, so ``POST .../refresh`` runs (and fails its download, a 200
    with ``outcome.ok`` false) without touching the network.
    """
    from ssoconsole.sso.models import AuthProvider, MetadataSource
    from ssoconsole.sso.providers import create_provider

    existing = AuthProvider.objects.filter(tenant=world.tenant, display_name="Matrix IdP").first()
    if existing is not None:
        return existing
    provider = create_provider(world.tenant, "Matrix IdP", metadata_xml=idp_metadata_xml())
    AuthProvider.objects.filter(id=provider.id).update(
        metadata_source=MetadataSource.URL, metadata_url="https://metadata.example.com/idp.xml"
    )
    return provider


SPK = f"{P}/service-provider/keys"


def sp_keys_at(world, stage: str) -> str:
    """Put the world's SP encryption key in ``stage`` (steady, prepared, retirable); return the keys path.

    Through the services, so each role's call meets the state its step needs:
    prepare needs none under way, switch a prepared key, retire a switch
    older than the grace period.
    """
    from datetime import timedelta

    from ssoconsole.sso import sp_rotation
    from ssoconsole.sso.models import SPIdentity
    from ssoconsole.sso.sp_identity import sp_identity

    identity = sp_identity(world.tenant)
    SPIdentity.objects.filter(pk=identity.pk).update(
        encryption_next_key_encrypted="",
        encryption_next_certificate_pem="",
        encryption_previous_key_encrypted="",
        encryption_previous_certificate_pem="",
        encryption_switched_at=None,
        encryption_previous_used_at=None,
    )
    if stage in ("prepared", "retirable"):
        sp_rotation.prepare_next_key(world.tenant, "encryption")
    if stage == "retirable":
        sp_rotation.switch_key(world.tenant, "encryption")
        SPIdentity.objects.filter(pk=identity.pk).update(
            encryption_switched_at=sp_rotation.clock.now() - sp_rotation.GRACE - timedelta(1)
        )
    return f"{SPK}/encryption"


def domain_path(world, role, *, published: bool = False) -> str:
    """A fresh pending domain of the world's tenant; with ``published`` its TXT record is served.

    The record is published on the run's loopback DNS server (tests/loopback_dns.py),
    so that verifying it succeeds without any lookup leaving the machine.
    """
    import loopback_dns

    from ssoconsole.tenancy import dns_proof, domains

    domain = domains.add_domain(world.tenant, f"d{uuid.uuid4().hex[:10]}.matrix.example")
    if published:
        loopback_dns.current.publish(
            dns_proof.record_name(domain.name), dns_proof.record_value(domain.token)
        )
    return f"{P}/domains/{domain.id}"


def spare_provider_id(world, role):
    """A fresh provider that no org uses, for the delete call."""
    from ssoconsole.sso.providers import create_provider

    return create_provider(
        world.tenant, f"Spare {uuid.uuid4().hex[:8]}", metadata_xml=idp_metadata_xml()
    ).id


def target_agent_id(world, role):
    """A fresh agent of the world's target user (nobody's own agent in the matrix: revoking it needs agents.manage)."""
    return agent_helpers.make_agent(world.target, device_name="Target's laptop").agent.id


def scim_token_id(world, role):
    """A fresh SCIM Secret Token of the world's tenant, to revoke."""
    from ssoconsole.scim.tokens import create_token

    return create_token(world.tenant, name="to revoke", actor_label="test")[1].id


def scim_group_id(world, role):
    """The world's provisioned group, created on first use."""
    from django.utils import timezone

    from ssoconsole.scim.models import ScimGroup

    group, _ = ScimGroup.objects.get_or_create(
        tenant=world.tenant,
        display_name_key="matrix group",
        defaults={
            "display_name": "Matrix group",
            "created_at": timezone.now(),
            "updated_at": timezone.now(),
        },
    )
    return group.id


# Each builder takes (world whose ids go into the request, role of the caller) and returns (path, body).
CALLS = {
    ("GET", f"{P}/me"): lambda w, r: (f"{P}/me", None),
    ("GET", f"{P}/service-provider"): lambda w, r: (f"{P}/service-provider", None),
    ("GET", f"{P}/orgs"): lambda w, r: (f"{P}/orgs", None),
    ("POST", f"{P}/orgs"): lambda w, r: (
        f"{P}/orgs",
        {"name": "Matrix", "parentId": str(w.child.id)},
    ),
    ("GET", f"{P}/orgs/{{id}}"): lambda w, r: (f"{P}/orgs/{w.child.id}", None),
    ("PATCH", f"{P}/orgs/{{id}}"): lambda w, r: (f"{P}/orgs/{w.child.id}", {"name": "Renamed"}),
    ("PUT", f"{P}/orgs/{{id}}/sso"): lambda w, r: (f"{P}/orgs/{w.child.id}/sso", {"mode": "none"}),
    ("GET", f"{P}/users"): lambda w, r: (f"{P}/users", None),
    ("POST", f"{P}/users"): lambda w, r: (
        f"{P}/users",
        {"username": "matrix@new.example", "orgId": str(w.child.id)},
    ),
    ("GET", f"{P}/users/{{id}}"): lambda w, r: (f"{P}/users/{w.target.id}", None),
    ("PATCH", f"{P}/users/{{id}}"): lambda w, r: (
        f"{P}/users/{w.target.id}",
        {"firstName": "Changed"},
    ),
    ("POST", f"{P}/users/{{id}}/deactivate"): lambda w, r: (
        f"{P}/users/{w.target.id}/deactivate",
        None,
    ),
    ("POST", f"{P}/users/{{id}}/reactivate"): lambda w, r: (
        f"{P}/users/{w.target.id}/reactivate",
        None,
    ),
    ("GET", f"{P}/audit-events"): lambda w, r: (f"{P}/audit-events", None),
    ("GET", SPK): lambda w, r: (SPK, None),
    ("POST", f"{SPK}/{{purpose}}/prepare"): lambda w, r: (
        f"{sp_keys_at(w, 'steady')}/prepare",
        None,
    ),
    ("POST", f"{SPK}/{{purpose}}/switch"): lambda w, r: (
        f"{sp_keys_at(w, 'prepared')}/switch",
        None,
    ),
    ("POST", f"{SPK}/{{purpose}}/retire"): lambda w, r: (
        f"{sp_keys_at(w, 'retirable')}/retire",
        None,
    ),
    ("GET", f"{P}/domains"): lambda w, r: (f"{P}/domains", None),
    ("POST", f"{P}/domains"): lambda w, r: (
        f"{P}/domains",
        {"name": f"n{uuid.uuid4().hex[:10]}.matrix.example"},
    ),
    ("POST", f"{P}/domains/{{id}}/verify"): lambda w, r: (
        f"{domain_path(w, r, published=True)}/verify",
        None,
    ),
    ("DELETE", f"{P}/domains/{{id}}"): lambda w, r: (domain_path(w, r), None),
    ("GET", f"{P}/api-tokens"): lambda w, r: (f"{P}/api-tokens", None),
    ("POST", f"{P}/api-tokens"): lambda w, r: (f"{P}/api-tokens", {"name": "matrix"}),
    ("DELETE", f"{P}/api-tokens/{{id}}"): lambda w, r: (
        f"{P}/api-tokens/{own_token_id(w, r)}",
        None,
    ),
    ("GET", AP): lambda w, r: (AP, None),
    ("POST", AP): lambda w, r: (
        AP,
        {"displayName": f"New {uuid.uuid4().hex[:8]}", "metadataXml": idp_metadata_xml()},
    ),
    ("GET", f"{AP}/{{id}}"): lambda w, r: (f"{AP}/{provider_of(w).id}", None),
    ("PATCH", f"{AP}/{{id}}"): lambda w, r: (
        f"{AP}/{provider_of(w).id}",
        {"displayName": "Matrix IdP renamed"},
    ),
    ("DELETE", f"{AP}/{{id}}"): lambda w, r: (f"{AP}/{spare_provider_id(w, r)}", None),
    ("POST", f"{AP}/{{id}}/refresh"): lambda w, r: (f"{AP}/{provider_of(w).id}/refresh", None),
    ("GET", f"{AP}/{{id}}/attribute-mapping"): lambda w, r: (
        f"{AP}/{provider_of(w).id}/attribute-mapping",
        None,
    ),
    ("PUT", f"{AP}/{{id}}/attribute-mapping"): lambda w, r: (
        f"{AP}/{provider_of(w).id}/attribute-mapping",
        {"useDefault": True},
    ),
    ("GET", f"{AP}/{{id}}/orgs"): lambda w, r: (f"{AP}/{provider_of(w).id}/orgs", None),
    ("PUT", f"{AP}/{{id}}/orgs"): lambda w, r: (
        f"{AP}/{provider_of(w).id}/orgs",
        {"orgIds": [str(w.child.id)]},
    ),
    ("GET", f"{AP}/{{id}}/advanced-settings"): lambda w, r: (
        f"{AP}/{provider_of(w).id}/advanced-settings",
        None,
    ),
    ("PUT", f"{AP}/{{id}}/advanced-settings"): lambda w, r: (
        f"{AP}/{provider_of(w).id}/advanced-settings",
        {"forceAuthn": True},
    ),
    ("GET", f"{P}/local-users"): lambda w, r: (f"{P}/local-users", None),
    ("PUT", f"{P}/local-users/{{userId}}"): lambda w, r: (
        f"{P}/local-users/{w.target.id}",
        {"enabled": True},
    ),
    ("POST", f"{P}/agents/sign-in"): lambda w, r: (
        f"{P}/agents/sign-in",
        {"deviceName": "Matrix laptop", "platform": "Linux"},
    ),
    ("POST", f"{P}/agents/token"): lambda w, r: (
        f"{P}/agents/token",
        agent_helpers.approved_body(w.users[r or "all"]),
    ),
    ("GET", f"{P}/agents/me"): lambda w, r: (f"{P}/agents/me", None),
    ("DELETE", f"{P}/agents/me"): lambda w, r: (f"{P}/agents/me", None),
    ("POST", f"{P}/agents/heartbeat"): lambda w, r: (
        f"{P}/agents/heartbeat",
        {"state": "idle", "lastBackupBytes": 1024},
    ),
    ("GET", f"{P}/provisioning/settings"): lambda w, r: (f"{P}/provisioning/settings", None),
    ("PUT", f"{P}/provisioning/settings"): lambda w, r: (
        f"{P}/provisioning/settings",
        {"placementAttribute": "department", "defaultOrgId": None, "deactivationDelayMinutes": 0},
    ),
    ("PUT", f"{P}/provisioning/groups/{{id}}/org"): lambda w, r: (
        f"{P}/provisioning/groups/{scim_group_id(w, r)}/org",
        {"orgId": None},
    ),
    ("GET", f"{P}/provisioning/tokens"): lambda w, r: (f"{P}/provisioning/tokens", None),
    ("POST", f"{P}/provisioning/tokens"): lambda w, r: (
        f"{P}/provisioning/tokens",
        {"name": "Entra ID"},
    ),
    ("DELETE", f"{P}/provisioning/tokens/{{id}}"): lambda w, r: (
        f"{P}/provisioning/tokens/{scim_token_id(w, r)}",
        None,
    ),
    ("GET", f"{P}/agents"): lambda w, r: (f"{P}/agents", None),
    ("GET", f"{P}/me/agents"): lambda w, r: (f"{P}/me/agents", None),
    ("DELETE", f"{P}/agents/{{id}}"): lambda w, r: (f"{P}/agents/{target_agent_id(w, r)}", None),
    ("GET", f"{P}/agents/sign-in-policy"): lambda w, r: (f"{P}/agents/sign-in-policy", None),
    ("PUT", f"{P}/agents/sign-in-policy"): lambda w, r: (
        f"{P}/agents/sign-in-policy",
        {"allowedNetworks": []},
    ),
}

# Operations that take an agent token, never a user's token or session: every user
# gets 401 here, and their tenant isolation is tested per agent in tests/agents.
AGENT_TOKEN_OPERATIONS = frozenset(
    {
        ("GET", f"{P}/agents/me"),
        ("DELETE", f"{P}/agents/me"),
        ("POST", f"{P}/agents/heartbeat"),
    }
)

# The OpenAPI ``security`` of the operations that take neither a user's token nor a
# session (every other operation takes BearerToken or SessionCookie).
OTHER_SECURITY = {
    ("POST", f"{P}/agents/sign-in"): [],
    ("POST", f"{P}/agents/token"): [],
    ("GET", f"{P}/agents/me"): [{"AgentToken": []}],
    ("DELETE", f"{P}/agents/me"): [{"AgentToken": []}],
    ("POST", f"{P}/agents/heartbeat"): [{"AgentToken": []}],
}

IDP, ORG, USER, ANON = "identity-admin", "org-admin", "user", None
ROLES = (IDP, ORG, USER, ANON)


def _only(allowed: dict) -> dict:
    """Expected statuses: those in ``allowed``, 403 for the other signed-in roles, 401 for anonymous."""
    return {role: allowed.get(role, 401 if role is None else 403) for role in ROLES}


EVERYONE_200 = _only({IDP: 200, ORG: 200, USER: 200})

EXPECTED = {
    ("GET", f"{P}/me"): EVERYONE_200,
    ("GET", f"{P}/service-provider"): EVERYONE_200,
    ("GET", f"{P}/orgs"): _only({IDP: 200, ORG: 200}),
    ("POST", f"{P}/orgs"): _only({ORG: 201}),
    ("GET", f"{P}/orgs/{{id}}"): _only({IDP: 200, ORG: 200}),
    ("PATCH", f"{P}/orgs/{{id}}"): _only({ORG: 200}),
    ("PUT", f"{P}/orgs/{{id}}/sso"): _only({IDP: 200}),
    ("GET", f"{P}/users"): _only({IDP: 200, ORG: 200}),
    ("POST", f"{P}/users"): _only({ORG: 201}),
    ("GET", f"{P}/users/{{id}}"): _only({IDP: 200, ORG: 200}),
    ("PATCH", f"{P}/users/{{id}}"): _only({ORG: 200}),
    ("POST", f"{P}/users/{{id}}/deactivate"): _only({ORG: 200}),
    ("POST", f"{P}/users/{{id}}/reactivate"): _only({ORG: 200}),
    ("GET", f"{P}/audit-events"): _only({IDP: 200, ORG: 200}),
    ("GET", f"{P}/api-tokens"): EVERYONE_200,
    ("POST", f"{P}/api-tokens"): _only({IDP: 201, ORG: 201, USER: 201}),
    ("DELETE", f"{P}/api-tokens/{{id}}"): _only({IDP: 204, ORG: 204, USER: 204}),
    # SP key rotation: identity.manage.
    ("GET", SPK): _only({IDP: 200}),
    ("POST", f"{SPK}/{{purpose}}/prepare"): _only({IDP: 200}),
    ("POST", f"{SPK}/{{purpose}}/switch"): _only({IDP: 200}),
    ("POST", f"{SPK}/{{purpose}}/retire"): _only({IDP: 200}),
    # Verified domains: identity.manage.
    ("GET", f"{P}/domains"): _only({IDP: 200}),
    ("POST", f"{P}/domains"): _only({IDP: 201}),
    ("POST", f"{P}/domains/{{id}}/verify"): _only({IDP: 200}),
    ("DELETE", f"{P}/domains/{{id}}"): _only({IDP: 204}),
    # Authentication providers: identity.manage, which only identity-admin holds.
    ("GET", AP): _only({IDP: 200}),
    ("POST", AP): _only({IDP: 201}),
    ("GET", f"{AP}/{{id}}"): _only({IDP: 200}),
    ("PATCH", f"{AP}/{{id}}"): _only({IDP: 200}),
    ("DELETE", f"{AP}/{{id}}"): _only({IDP: 204}),
    ("POST", f"{AP}/{{id}}/refresh"): _only({IDP: 200}),
    ("GET", f"{AP}/{{id}}/attribute-mapping"): _only({IDP: 200}),
    ("PUT", f"{AP}/{{id}}/attribute-mapping"): _only({IDP: 200}),
    ("GET", f"{AP}/{{id}}/orgs"): _only({IDP: 200}),
    ("PUT", f"{AP}/{{id}}/orgs"): _only({IDP: 200}),
    ("GET", f"{AP}/{{id}}/advanced-settings"): _only({IDP: 200}),
    ("PUT", f"{AP}/{{id}}/advanced-settings"): _only({IDP: 200}),
    # Local users: local_users.manage, held by both administrator roles.
    ("GET", f"{P}/local-users"): _only({IDP: 200, ORG: 200}),
    ("PUT", f"{P}/local-users/{{userId}}"): _only({IDP: 200, ORG: 200}),
    # Provisioning (SCIM): identity.manage.
    ("GET", f"{P}/provisioning/settings"): _only({IDP: 200}),
    ("PUT", f"{P}/provisioning/settings"): _only({IDP: 200}),
    ("PUT", f"{P}/provisioning/groups/{{id}}/org"): _only({IDP: 200}),
    ("GET", f"{P}/provisioning/tokens"): _only({IDP: 200}),
    ("POST", f"{P}/provisioning/tokens"): _only({IDP: 201}),
    ("DELETE", f"{P}/provisioning/tokens/{{id}}"): _only({IDP: 204}),
    # Desktop agents. The hand-off takes no credentials (its secrets prove the caller),
    # so every caller gets the same answer; /agents/me and /agents/heartbeat take only an agent token.
    ("POST", f"{P}/agents/sign-in"): {IDP: 201, ORG: 201, USER: 201, ANON: 201},
    ("POST", f"{P}/agents/token"): {IDP: 200, ORG: 200, USER: 200, ANON: 200},
    ("GET", f"{P}/agents/me"): {IDP: 401, ORG: 401, USER: 401, ANON: 401},
    ("DELETE", f"{P}/agents/me"): {IDP: 401, ORG: 401, USER: 401, ANON: 401},
    ("POST", f"{P}/agents/heartbeat"): {IDP: 401, ORG: 401, USER: 401, ANON: 401},
    ("GET", f"{P}/agents"): _only({ORG: 200}),
    ("GET", f"{P}/me/agents"): EVERYONE_200,
    ("DELETE", f"{P}/agents/{{id}}"): _only({ORG: 204}),
    ("GET", f"{P}/agents/sign-in-policy"): _only({ORG: 200}),
    ("PUT", f"{P}/agents/sign-in-policy"): _only({ORG: 200}),
}


def documented_operations() -> set[tuple[str, str]]:
    """Every (METHOD, path) in the generated OpenAPI document."""
    from ssoconsole.api.urls import api

    schema = api.get_openapi_schema(path_prefix=f"{P}/")
    return {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
