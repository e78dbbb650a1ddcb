"""The sign-in page's ``ctx``: the pending request, carried by the browser, signed by us.

Between the first step (the request arrives) and the second (the password is
posted) the request travels in a hidden field, so that any server process can
finish the sign-in without server-side state. It is signed with the deployment's
secret key and expires after an hour: the second step must not accept a
request the first step never checked (for example an unsigned one when the
app requires signed requests) or one edited in the browser.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from django.core import signing

from ssoconsole.devidp import errors

SALT = "ssoconsole.devidp.signin-state"
MAX_AGE_SECONDS = 3600


@dataclass(frozen=True)
class SignInState:
    directory_id: str
    request_xml: bytes
    relay_state: str
    correlation_id: str


def dump(state: SignInState) -> str:
    payload = {
        "d": state.directory_id,
        "x": base64.b64encode(state.request_xml).decode("ascii"),
        "r": state.relay_state,
        "c": state.correlation_id,
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def load(token: str | None, directory_id: str) -> SignInState:
    """Return the state in ``token`` if it was issued for ``directory_id``; raise AADSTS75005 if not, or if edited or too old."""
    try:
        payload = signing.loads(token or "", salt=SALT, max_age=MAX_AGE_SECONDS)
        state = SignInState(
            str(payload["d"]), base64.b64decode(payload["x"]), str(payload["r"]), str(payload["c"])
        )
    except signing.SignatureExpired:
        raise errors.InvalidRequest(
            "Invalid request: the sign-in page was open for too long. Start again from the application."
        ) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError, binascii.Error):
        raise errors.InvalidRequest(
            "Invalid request: the sign-in form was not issued by this identity provider or was changed. "
            "Start again from the application."
        ) from None
    if state.directory_id != directory_id:
        raise errors.InvalidRequest(
            "Invalid request: the sign-in form belongs to another directory."
        )
    return state
