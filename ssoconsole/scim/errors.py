"""SCIM errors (RFC 7644 section 3.12): an HTTP status, an optional ``scimType`` and a detail.

Every error also has a stable ``code`` with an entry in docs/troubleshooting.md,
and a detail sentence that says what was wrong and what to send instead, so
that the identity provider's provisioning log is enough to fix the request.
"""

from __future__ import annotations

from ssoconsole.core.errors import DomainError, NotFound, ValidationFailed

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"

# code -> (HTTP status, scimType or "")
CODES: dict[str, tuple[int, str]] = {
    "scim.unauthorized": (401, ""),
    "scim.forbidden_tenant": (401, ""),
    "scim.not_found": (404, ""),
    "scim.invalid_filter": (400, "invalidFilter"),
    "scim.filter_too_complex": (400, "invalidFilter"),
    "scim.invalid_syntax": (400, "invalidSyntax"),
    "scim.invalid_value": (400, "invalidValue"),
    "scim.invalid_path": (400, "invalidPath"),
    "scim.no_target": (400, "noTarget"),
    "scim.mutability": (400, "mutability"),
    "scim.uniqueness": (409, "uniqueness"),
    "scim.too_many": (400, "tooMany"),
    "scim.last_identity_admin": (400, "mutability"),
    "scim.version_mismatch": (412, ""),
    "scim.payload_too_large": (413, ""),
    "scim.unsupported_media_type": (415, ""),
    "scim.method_not_allowed": (405, ""),
    "scim.not_implemented": (501, ""),
    "scim.internal_error": (500, ""),
}


class ScimError(DomainError):
    """A refusal the SCIM layer sends as an Error message; ``field`` names the attribute at fault.

    ``ScimError("scim.not_found", detail)`` returns an instance of that code's
    own class (one per row of :data:`CODES`, made below), so every SCIM code is
    a class of this package's registry like every other code of the product.
    """

    status = 400
    scim_type = ""
    user_message = "The provisioning request was refused."

    def __new__(cls, code: str | None = None, *args, **kwargs):
        target = _CLASSES[code] if code is not None and cls is ScimError else cls
        return super().__new__(target)

    def __init__(self, code: str, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail, field=field)
        self.detail = detail

    def as_dict(self) -> dict:
        body = {"schemas": [ERROR_SCHEMA], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


def _class_name(code: str) -> str:
    return "Scim" + "".join(part.title() for part in code.removeprefix("scim.").split("_"))


# One class per code, defined here and nowhere else.
_CLASSES: dict[str, type[ScimError]] = {
    code: type(
        _class_name(code),
        (ScimError,),
        {"code": code, "status": status, "scim_type": scim_type, "__module__": __name__},
    )
    for code, (status, scim_type) in CODES.items()
}
globals().update({cls.__name__: cls for cls in _CLASSES.values()})


# --- Refusals of the console's provisioning settings (console, REST API, CLI) -------------------


class ScimGroupNotFound(NotFound):
    """No provisioned group with this id in the tenant."""

    code = "scim_group_not_found"


class ScimTokenLimit(ValidationFailed):
    """The tenant already has as many SCIM tokens as allowed."""

    code = "scim_token_limit"


class ScimTokenNotFound(NotFound):
    """No SCIM token with this id in the tenant."""

    code = "scim_token_not_found"
