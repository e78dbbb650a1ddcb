"""The checks between a posted response and a console session, one function per rule.

The assertion consumer service (:mod:`ssoconsole.sso.acs`) and the provider
test (:mod:`ssoconsole.sso.test_mode`) run the same functions in the same
order, so that a test shows exactly what a real sign-in would decide. Each
raises the refusal that names its rule.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from ssoconsole.accounts.models import User
from ssoconsole.accounts.services import find_tenant_user_by_username
from ssoconsole.saml.assertion import Assertion
from ssoconsole.saml.config import Expected, ServiceProvider
from ssoconsole.saml.encryption import DecryptionFailed, EncryptionKeyMissing
from ssoconsole.saml.response import validate_response
from ssoconsole.sso import errors as r
from ssoconsole.sso import keys, rollover, sp_encryption, sp_rotation
from ssoconsole.sso.errors import KeyDecryptionFailed
from ssoconsole.sso.mapping import MappedIdentity, map_assertion
from ssoconsole.sso.models import AuthProvider
from ssoconsole.sso.saml_config import (
    identity_provider_config,
    mapping_config,
    service_provider_config,
    validation_policy,
)
from ssoconsole.sso.sp_encryption import open_private_key
from ssoconsole.sso.sp_identity import sp_identity
from ssoconsole.tenancy.services import effective_sso_of

log = logging.getLogger("ssoconsole.sso")

# The core caps the decoded XML at 512 KiB; its base64 plus a RelayState and
# form encoding stay well below this. Anything larger is refused before parsing.
MAX_POST_BYTES = 1024 * 1024


def validate(saml_response: str, *, record, now: datetime) -> Assertion:
    """Run the SAML core on the response, for the provider and request ID of the outstanding request.

    The provider comes from the server-side record, never from the response:
    an answer is checked against the IdP the user was sent to (its signing
    certificates, entity ID, clock skew and SHA-1 choice), and InResponseTo
    must name that request (SAML Profiles 4.1.4.3).

    A response signed with a key the metadata does not list makes a URL
    provider download its metadata once and the response be checked again
    (:mod:`~ssoconsole.sso.rollover`); the certificate that verified an
    accepted response is remembered on the provider.
    """
    provider = record.provider
    sp, key_failure = _decrypting_sp(record.tenant)

    def attempt(service_provider) -> Assertion:
        return validate_response(
            saml_response,
            sp=service_provider,
            idp=identity_provider_config(provider),
            expected=Expected(request_id=record.request_id),
            policy=validation_policy(provider),
            now=now,
        )

    def run() -> Assertion:
        try:
            return attempt(sp)
        except EncryptionKeyMissing:
            if key_failure is not None:
                raise r.DecryptionKeyUnavailable(key_failure.message) from None
            raise
        except DecryptionFailed:
            # During an SP key rotation the IdP may encrypt for the next or the previous key.
            assertion = _with_rotating_keys(record.tenant, sp, attempt, now=now)
            if assertion is None:
                raise
            return assertion

    assertion = rollover.validate_with_rollover(provider, run, now=now)
    rollover.note_signing_certificate(provider, assertion, now=now)
    return assertion


def _decrypting_sp(tenant) -> tuple[ServiceProvider, KeyDecryptionFailed | None]:
    """Return the SP configuration with the encryption key that decrypts EncryptedAssertions.

    The key is always passed, since only the IdP knows whether it encrypts
    (Entra ID: Token encryption is switched on there, not here). A key that
    no longer opens (the server's secret changed) must not stop the sign-ins
    that are not encrypted, so it is left out and the failure kept: the core
    asks for the key only for an EncryptedAssertion, and then the refusal
    names the real cause. The signing key is not opened: answers are not signed with it.
    """
    sp = service_provider_config(tenant, with_keys=False)
    identity = sp_identity(tenant, joined=True)  # loaded with the outstanding request
    try:
        return replace(sp, encryption_key_pem=open_private_key(identity)), None
    except KeyDecryptionFailed as exc:
        log.error("SP encryption key of tenant %s cannot be opened: %s", tenant.id, exc.message)
        return sp, exc


def _with_rotating_keys(tenant, sp: ServiceProvider, attempt, *, now: datetime):
    """Try the next and the previous SP encryption keys; return the assertion one decrypts, or None.

    A response that needed the previous key is remembered, so that the old
    key is not retired while the IdP still encrypts for it.
    """
    identity = sp_identity(tenant)
    for label, sealed in sp_rotation.decryption_keys(identity)[1:]:
        try:
            key = keys.open_sealed(sealed, context=sp_encryption.context(tenant.id))
        except KeyDecryptionFailed as exc:
            log.error(
                "SP %s encryption key of tenant %s cannot be opened: %s",
                label,
                tenant.id,
                exc.message,
            )
            continue
        try:
            assertion = attempt(replace(sp, encryption_key_pem=key))
        except DecryptionFailed:
            continue
        if label == "previous":
            sp_rotation.note_previous_key_used(identity, now)
        return assertion
    return None


def map_username(assertion: Assertion, provider: AuthProvider) -> MappedIdentity:
    """Turn the verified assertion into a username and names with the provider's attribute mapping."""
    return map_assertion(assertion, mapping_config(provider))


def find_user(tenant, username: str) -> User:
    """Return the active user of ``tenant`` with ``username`` in any case (docs/rules.md#sso-creates-no-users).

    Usernames are unique in the deployment, but only a user of the tenant
    whose ACS received the answer may sign in through it.
    """
    user = find_tenant_user_by_username(tenant.id, username)
    if user is None:
        raise r.UnknownUser(
            f"No user of this tenant has the username {username!r} that the identity provider asserted.",
            expected="an existing user with this username",
            actual=username,
        )
    if not user.is_active:
        raise r.UserInactive(
            f"The user {user.username} is deactivated.",
            expected="an active user",
            actual="deactivated",
        )
    return user


def check_org_provider(user: User, provider: AuthProvider) -> AuthProvider:
    """Require that the effective SSO setting of the user's org is ``provider`` (docs/rules.md#effective-sso-setting)."""
    effective = effective_sso_of(user.org_id)
    if not effective.uses_sso:
        raise r.OrgNotUsingSSO(
            f"The organization {user.org.name} of {user.username} signs in with passwords.",
            expected=provider.display_name,
            actual="password sign-in",
        )
    if effective.provider_id != provider.id:
        other = AuthProvider.objects.filter(
            id=effective.provider_id, tenant_id=user.tenant_id
        ).first()
        raise r.OrgUsesOtherProvider(
            f"The organization {user.org.name} of {user.username} signs in with another provider.",
            expected=other.display_name if other is not None else str(effective.provider_id),
            actual=provider.display_name,
        )
    return provider
