from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ssoconsole.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Tenancy sits below accounts: the rule about which users a move may reach plugs in here.
        from ssoconsole.accounts.move_rules import check_move
        from ssoconsole.accounts.services import users_at_domain_elsewhere
        from ssoconsole.tenancy.domains import register_user_counter
        from ssoconsole.tenancy.services import register_move_check

        register_move_check(check_move)
        # A verified domain's page shows how many users of other tenants are at it.
        register_user_counter(users_at_domain_elsewhere)
