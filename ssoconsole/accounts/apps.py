from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ssoconsole.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Tenancy sits below accounts: the rule about which users a move may reach plugs in here.
        from ssoconsole.accounts.move_rules import check_move
        from ssoconsole.tenancy.services import register_move_check

        register_move_check(check_move)
