"""``ssoconsole reseal-sp-keys``: re-encrypt SP private keys under the current SECRET_KEY.

Run after moving the old secret to ``SECRET_KEY_FALLBACKS``; afterwards the
fallback can be removed (see docs/identity-management.md, "Keys at rest").
"""

from django.core.management.base import BaseCommand

from ssoconsole.sso.sp_identity import reseal_sp_keys


class Command(BaseCommand):
    help = "Re-encrypt every tenant's SP private key with the current secret key."

    def handle(self, *args, **options) -> None:
        changed = reseal_sp_keys()
        self.stdout.write(f"{changed} SP private key(s) re-encrypted with the current secret key.")
