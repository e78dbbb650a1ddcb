"""What this service provider publishes and validates against, built from scim2-models.

The resource models (``UserResource``, ``GroupResource``) validate every
document that comes in and shape every one that goes out; the discovery
documents (``/Schemas``, ``/ResourceTypes``, ``/ServiceProviderConfig``)
are generated from the same models, so they cannot drift apart.

``password`` is left out of the published User schema and dropped from input:
provisioned users sign in with single sign-on, and this server never stores
a password it did not ask for.
"""

from __future__ import annotations

from functools import lru_cache

from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,  # noqa: F401 - re-exported for the service modules
    EnterpriseUser,
    ETag,
    Extension,
    Filter,
    Group,
    Patch,
    ResourceType,
    SchemaExtension,
    ServiceProviderConfig,
    Sort,
    User,
)

from ssoconsole.core import urls

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CONSOLE = "urn:ietf:params:scim:schemas:extension:ssoconsole:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

MAX_RESULTS = 200
MAX_OPERATIONS = 200
MAX_BODY_BYTES = 512 * 1024


class ConsoleUser(Extension):
    """ssoconsole's own extension: the name of the organization to place the user in."""

    __schema__ = URN(CONSOLE)

    org_name: str | None = None
    """The name of the console organization the user belongs in (see the placement rules)."""


UserResource = User[EnterpriseUser | ConsoleUser]
GroupResource = Group
EXTENSIONS = (ENTERPRISE, CONSOLE)


def base_url(tenant_id) -> str:
    """Return the tenant's SCIM base URL ("Tenant URL" in Entra ID), without a trailing slash."""
    return urls.absolute(f"/scim/v2/{tenant_id}")


def _without_password(schema):
    schema.attributes = [a for a in schema.attributes if a.name != "password"]
    return schema


@lru_cache(maxsize=1)
def schemas() -> list:
    """Return the Schema resources, without ``meta`` (added per tenant when served)."""
    return [
        _without_password(User.to_schema()),
        EnterpriseUser.to_schema(),
        ConsoleUser.to_schema(),
        Group.to_schema(),
    ]


def resource_types(tenant_id) -> list:
    base = base_url(tenant_id)
    return [
        ResourceType(
            id="User",
            name="User",
            description="A person who signs in to the console",
            endpoint="/Users",
            schema_=CORE_USER,
            schema_extensions=[
                SchemaExtension(schema_=ENTERPRISE, required=False),
                SchemaExtension(schema_=CONSOLE, required=False),
            ],
            meta={"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/User"},
        ),
        ResourceType(
            id="Group",
            name="Group",
            description="A group of provisioned users (can place its members in an organization)",
            endpoint="/Groups",
            schema_=CORE_GROUP,
            meta={"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/Group"},
        ),
    ]


def service_provider_config(tenant_id) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="A Secret Token created under Identity Management > Provisioning, "
                "sent as Authorization: Bearer TOKEN.",
                primary=True,
            )
        ],
        meta={
            "resourceType": "ServiceProviderConfig",
            "location": f"{base_url(tenant_id)}/ServiceProviderConfig",
        },
    )


def attribute_index() -> dict[str, dict]:
    """Return ``{schema URN lower-cased: {attribute name lower-cased: Attribute}}`` for PATCH paths."""
    return _attribute_index()


@lru_cache(maxsize=1)
def _attribute_index() -> dict[str, dict]:
    return {str(s.id).lower(): {a.name.lower(): a for a in s.attributes} for s in schemas()}


def sub_attribute(attribute, name: str):
    """Return the sub-attribute ``name`` (any case) of a complex ``attribute``, or ``None``."""
    for sub in attribute.sub_attributes or []:
        if sub.name.lower() == name.lower():
            return sub
    return None
