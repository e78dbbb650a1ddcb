"""``ssoconsole create-api-token --username U``: a bearer token for the REST API, shown once."""

from ssoconsole.accounts.services import create_api_token, find_user_by_username
from ssoconsole.core.management.base import CliCommand, Error


class Command(CliCommand):
    help = "Create a REST API token for a user and print it (the last word of the output); only its hash is kept."

    def add_arguments(self, parser):
        parser.add_argument(
            "--username", required=True, help="the token acts as this user, in the user's tenant"
        )
        parser.add_argument("--name", default="", help="a label to recognise the token by later")

    def handle(self, *args, username, name, **options):
        user = find_user_by_username(username)
        if user is None:
            raise Error(
                f"No user named {username!r}. Create the user with `ssoconsole create-user` first."
            )
        if not user.is_active:
            raise Error(
                f"The user {user.username} is deactivated; reactivate the user in the console before creating a token."
            )
        raw, _token = create_api_token(user, name=name, actor_label="cli")
        self.stdout.write(f"API token for {user.username} (shown once; only its hash is stored):")
        self.stdout.write(raw)
