"""``ssoconsole create-scim-token --tenant ID [--name NAME]``: a Secret Token for SCIM, shown once."""

from __future__ import annotations

import uuid

from ssoconsole.core.errors import DomainError
from ssoconsole.core.management.base import CliCommand, Error
from ssoconsole.scim.schema import base_url
from ssoconsole.scim.tokens import create_token
from ssoconsole.tenancy.models import Tenant


class Command(CliCommand):
    help = (
        "Create a SCIM Secret Token for a tenant and print it (the last word of the output); "
        "only its hash is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="the tenant's id (a UUID)")
        parser.add_argument("--name", default="", help="a label to recognise the token by later")

    def handle(self, *args, tenant, name, **options):
        try:
            owner = Tenant.objects.get(id=uuid.UUID(tenant))
        except (ValueError, Tenant.DoesNotExist):
            raise Error(
                f"No tenant with the id {tenant!r}. `ssoconsole create-tenant` prints a tenant's id; "
                "the console shows it under Identity Management > Provisioning."
            ) from None
        try:
            raw, _token = create_token(owner, name=name, actor_label="cli")
        except DomainError as exc:
            raise Error(exc.message) from None
        self.stdout.write(f"Tenant URL: {base_url(owner.id)}")
        self.stdout.write("Secret Token (shown once; only its hash is stored):")
        self.stdout.write(raw)
