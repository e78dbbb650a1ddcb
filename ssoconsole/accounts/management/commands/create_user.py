"""``ssoconsole create-user --tenant ID --username U [--role R ...] [--password P] [--org ORG_ID]``."""

from ssoconsole.accounts.roles import Role
from ssoconsole.accounts.services import create_user
from ssoconsole.core.management.base import CliCommand, Error, uuid_argument
from ssoconsole.tenancy.models import Tenant
from ssoconsole.tenancy.services import get_org, top_org


class Command(CliCommand):
    help = "Create a user in a tenant (in its top organization unless --org names another)."
    hints = {
        "username_taken": "Choose another username.",
        "org_not_found": "Leave out --org to use the top organization, or copy an organization id from the console.",
        "password_too_short": "Pass a longer --password, or leave it out for a user who signs in with single sign-on.",
        "password_too_long": "Pass a shorter --password.",
    }

    def add_arguments(self, parser):
        parser.add_argument(
            "--tenant",
            required=True,
            type=uuid_argument("a tenant"),
            help="tenant id (create-tenant prints it)",
        )
        parser.add_argument(
            "--username",
            required=True,
            help="unique in the deployment, compared without regard to case",
        )
        parser.add_argument(
            "--role",
            dest="roles",
            action="append",
            choices=Role.values,
            metavar="ROLE",
            help=f"one of {', '.join(Role.values)}; repeat for several (default: user)",
        )
        parser.add_argument(
            "--password",
            help="for password sign-in (at least 12 characters); leave out for SSO-only users",
        )
        parser.add_argument(
            "--org",
            type=uuid_argument("an organization"),
            help="organization id (default: the top organization)",
        )
        parser.add_argument("--first-name", default="", help="first name")
        parser.add_argument("--last-name", default="", help="last name")
        parser.add_argument("--email", default="", help="email address")

    def handle(
        self, *args, tenant, username, roles, password, org, first_name, last_name, email, **options
    ):
        tenant_obj = Tenant.objects.filter(id=tenant).first()
        if tenant_obj is None:
            raise Error(
                f"No tenant with id {tenant}. Check the id, or create the tenant with `ssoconsole create-tenant --name NAME`."
            )
        org_obj = get_org(tenant_obj, org) if org is not None else top_org(tenant_obj)
        user = create_user(
            tenant_obj,
            username,
            org=org_obj,
            roles=roles,
            password=password,
            first_name=first_name,
            last_name=last_name,
            email=email,
            actor_label="cli",
        )
        self.stdout.write(
            f"Created user {user.username} with role(s) {', '.join(user.role_names)} in organization “{org_obj.name}”."
        )
        if password is None:
            self.stdout.write(
                "No password was set: this user can sign in only through single sign-on."
            )
        self.stdout.write(f"User id: {user.id}")
