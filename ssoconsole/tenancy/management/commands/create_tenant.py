"""``ssoconsole create-tenant --name NAME [--id UUID]``: a tenant and its top organization."""

from ssoconsole.core.management.base import CliCommand, uuid_argument
from ssoconsole.tenancy.services import create_tenant, top_org


class Command(CliCommand):
    help = "Create a tenant with its top organization and print the tenant id (the last word of the output)."
    hints = {
        "tenant_exists": "Leave out --id to get a new tenant, or use the existing one.",
        "name_required": "Pass a name with --name.",
    }

    def add_arguments(self, parser):
        parser.add_argument(
            "--name", required=True, help="display name of the tenant (and of its top organization)"
        )
        parser.add_argument(
            "--id",
            dest="tenant_id",
            type=uuid_argument("a tenant"),
            help="the tenant id to use (default: a new random UUID)",
        )

    def handle(self, *args, name, tenant_id, **options):
        tenant = create_tenant(name, tenant_id=tenant_id, actor_label="cli")
        self.stdout.write(
            f"Created tenant “{tenant.name}” with top organization {top_org(tenant).id}."
        )
        self.stdout.write(f"Tenant id: {tenant.id}")
