"""Print the development identity provider's admin password."""

from django.core.management.base import BaseCommand

from ssoconsole.devidp.access import admin_password


class Command(BaseCommand):
    help = "Print the admin password of the development identity provider (/devidp/), creating it on first use."

    def handle(self, *args, **options):
        self.stdout.write(admin_password())
