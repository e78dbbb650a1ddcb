"""SP key rotation: ``/service-provider/keys`` and its three steps per purpose (signing, encryption).

Identity Management Administrators only (``identity.manage``); every step is
audited by :mod:`ssoconsole.sso.sp_rotation`, which also refuses a step
out of order (409 with the code that says which).
"""

from __future__ import annotations

from typing import Literal

from ssoconsole.accounts.roles import Capability
from ssoconsole.api.auth import access, caller_of
from ssoconsole.api.router import ApiRouter
from ssoconsole.api.schemas.sp_keys import SPKeysOut, SPKeyStatusOut
from ssoconsole.sso import sp_rotation
from ssoconsole.sso.sp_identity import sp_identity

router = ApiRouter(tags=["identity"])
IDENTITY = Capability.IDENTITY_MANAGE
Purpose = Literal["signing", "encryption"]


@router.get("/service-provider/keys", response=SPKeysOut, auth=access(IDENTITY))
def get_sp_keys(request):
    """Return the stage of the SP signing and encryption keys, their certificates and the next step."""
    identity = sp_identity(caller_of(request).tenant)
    return {p: sp_rotation.key_status(identity, p).as_dict() for p in sp_rotation.PURPOSES}


@router.post(
    "/service-provider/keys/{purpose}/prepare", response=SPKeyStatusOut, auth=access(IDENTITY)
)
def prepare_sp_key(request, purpose: Purpose):
    """Generate the next key pair and publish its certificate in the SP metadata beside the current one.

    409 `sso.sp_key_already_prepared` or `sso.sp_key_previous_not_retired` when a rotation is
    under way.
    """
    caller = caller_of(request)
    status = sp_rotation.prepare_next_key(
        caller.tenant, purpose, actor=caller.user, request=request
    )
    return status.as_dict()


@router.post(
    "/service-provider/keys/{purpose}/switch", response=SPKeyStatusOut, auth=access(IDENTITY)
)
def switch_sp_key(request, purpose: Purpose):
    """Make the prepared key the current one; the old one is kept until retired.

    409 `sso.sp_key_not_prepared` without a prepared key.
    """
    caller = caller_of(request)
    return sp_rotation.switch_key(
        caller.tenant, purpose, actor=caller.user, request=request
    ).as_dict()


@router.post(
    "/service-provider/keys/{purpose}/retire", response=SPKeyStatusOut, auth=access(IDENTITY)
)
def retire_sp_key(request, purpose: Purpose):
    """Delete the old key, once responses for it can no longer arrive.

    409 `sso.sp_key_retire_too_early` before `retireFrom` (the message says why and when), 409
    `sso.sp_key_nothing_to_retire` without an old key.
    """
    caller = caller_of(request)
    return sp_rotation.retire_old_key(
        caller.tenant, purpose, actor=caller.user, request=request
    ).as_dict()
