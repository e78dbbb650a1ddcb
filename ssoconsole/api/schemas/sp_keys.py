"""SP key rotation schemas: each purpose's stage, certificates, and the next step at the IdP."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from ssoconsole.api.schemas.base import ApiModel


class SPCertificateOut(ApiModel):
    thumbprint_sha1: str = Field(description="What Entra ID shows as the certificate's Thumbprint.")
    sha256_fingerprint: str
    not_after: datetime
    certificate_pem: str = Field(description="The certificate to upload at the identity provider.")


class SPKeyStatusOut(ApiModel):
    purpose: Literal["signing", "encryption"]
    stage: Literal["steady", "prepared", "switched"] = Field(
        description=(
            "`prepared`: a next key is published beside the current one; `switched`: the old "
            "key is kept (published for signing, decrypting for encryption) until retired."
        )
    )
    current: SPCertificateOut
    next: SPCertificateOut | None
    previous: SPCertificateOut | None
    switched_at: datetime | None
    retire_from: datetime | None = Field(
        description="From when the old key can be retired: no response for it can still arrive."
    )
    next_step: str = Field(description="What to do next, in Entra ID's words.")


class SPKeysOut(ApiModel):
    signing: SPKeyStatusOut
    encryption: SPKeyStatusOut
