"""SCIM errors (RFC 7644 section 3.12): an HTTP status, an optional ``scimType`` and a detail.

Every error also has a stable ``code`` with an entry in docs/troubleshooting.md,
and a detail sentence that says what was wrong and what to send instead, so
that the identity provider's provisioning log is enough to fix the request.
"""

from __future__ import annotations

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


class ScimError(Exception):
    """A refusal the SCIM layer sends as an Error message; ``field`` names the attribute at fault."""

    def __init__(self, code: str, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.status, self.scim_type = CODES[code]
        self.detail = detail
        self.field = field

    def as_dict(self) -> dict:
        body = {"schemas": [ERROR_SCHEMA], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body
