"""The tenancy app's registry of error codes: tenants, organizations and their sign-in method."""

from __future__ import annotations

from ssoconsole.core.errors import Conflict, Forbidden, NotFound, ValidationFailed


class NameRequired(ValidationFailed):
    """A tenant or organization name is empty."""

    code = "name_required"


class NameTooLong(ValidationFailed):
    """A tenant or organization name is longer than its limit."""

    code = "name_too_long"


class TenantExists(Conflict):
    """A tenant with the requested id already exists."""

    code = "tenant_exists"


class OrgNotFound(NotFound):
    """No organization with this id in the caller's tenant."""

    code = "org_not_found"


class OrgNameTaken(Conflict):
    """Another organization under the same parent has this name."""

    code = "org_name_taken"


class OrgTopImmovable(ValidationFailed):
    """The top organization has no parent and cannot be moved."""

    code = "org_top_immovable"


class OrgMoveCycle(ValidationFailed):
    """An organization cannot move under itself or one of its descendants."""

    code = "org_move_cycle"


class InvalidSSOMode(ValidationFailed):
    """The sign-in mode is not inherit, provider or none."""

    code = "invalid_sso_mode"


class OrgTopCannotInherit(ValidationFailed):
    """The top organization has no parent to inherit a sign-in method from."""

    code = "org_top_cannot_inherit"


class ProviderRequired(ValidationFailed):
    """Mode ``provider`` needs a provider id."""

    code = "provider_required"


class OrgProviderNotFound(NotFound):
    """The provider chosen for an organization does not exist in the tenant."""

    code = "provider_not_found"


class ProviderNotAllowed(ValidationFailed):
    """A provider id was sent with a mode other than ``provider``."""

    code = "provider_not_allowed"


class OrgMoveReachesUnmanageableUsers(Forbidden):
    """A move would change how users the actor cannot manage sign in."""

    code = "org_move_reaches_unmanageable_users"


class OrgMoveChangesSignIn(Forbidden):
    """A move would change users' sign-in method and the actor may not choose who uses SSO."""

    code = "org_move_changes_sign_in"


class DomainInvalid(ValidationFailed):
    """The domain is not a DNS name of at least two labels (letters, digits, hyphens)."""

    code = "domain_invalid"


class DomainAlreadyAdded(Conflict):
    """The tenant has already added this domain."""

    code = "domain_already_added"


class DomainLimitReached(Conflict):
    """The tenant has as many domains as one tenant may have."""

    code = "domain_limit_reached"


class DomainNotFound(NotFound):
    """No domain with this id in the caller's tenant."""

    code = "domain_not_found"


class DomainVerifiedByAnotherTenant(Conflict):
    """Another tenant of the deployment has already verified this domain."""

    code = "domain_verified_by_another_tenant"


class DomainRecordMissing(Conflict):
    """The DNS has no TXT record at the domain's verification name."""

    code = "domain_record_missing"


class DomainRecordMismatch(Conflict):
    """The TXT records at the verification name do not hold this tenant's value."""

    code = "domain_record_mismatch"


class DomainLookupFailed(Conflict):
    """The DNS servers did not answer the verification lookup in time, or answered with an error."""

    code = "domain_lookup_failed"
