"""Verified domain schemas: a domain, the TXT record that proves it, and its state."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from ssoconsole.api.schemas.base import ApiModel, InputModel, text
from ssoconsole.tenancy import dns_proof
from ssoconsole.tenancy.domains import DOMAIN_MAX, users_elsewhere


class DomainCreate(InputModel):
    name: text(DOMAIN_MAX + 1, description="The e-mail domain, such as example.com.")


class DomainOut(ApiModel):
    id: UUID
    name: str
    status: Literal["pending", "verified"] = Field(
        description="`verified`: usernames at this domain (and its subdomains) can only be "
        "created in this tenant."
    )
    record_name: str = Field(
        description="Where to publish the TXT record, e.g. `_ssoconsole.example.com`."
    )
    record_value: str = Field(description="The TXT record's value, `ssoconsole-verification=...`.")
    verified_at: datetime | None
    checked_at: datetime | None
    users_in_other_tenants: int = Field(
        description="How many users of other tenants already have a username at this domain "
        "(a count only, and 0 until the domain is verified; they are not moved and keep "
        "signing in as before)."
    )

    @classmethod
    def of(cls, domain) -> DomainOut:
        return cls(
            id=domain.id,
            name=domain.name,
            status="verified" if domain.verified else "pending",
            record_name=dns_proof.record_name(domain.name),
            record_value=dns_proof.record_value(domain.token),
            verified_at=domain.verified_at,
            checked_at=domain.checked_at,
            # Counted only once the domain is proven the tenant's: a pending domain is a claim
            # anyone can type, and its count would tell them about other tenants' users.
            users_in_other_tenants=users_elsewhere(domain) if domain.verified else 0,
        )
