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
        # Sign-in sets last_login itself (accounts.sessions.start_session), with one UPDATE compiled
        # once and the product's clock; Django's receiver would write it a second time.
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.disconnect(dispatch_uid="update_last_login")
        # A verified domain's page shows how many users of other tenants are at it.
        register_user_counter(users_at_domain_elsewhere)
        # Django rebuilds a SQLite table on some schema changes, dropping its triggers: after every
        # migrate, put the user search index back if it is missing (accounts.search).
        from ssoconsole.accounts.search import ensure_user_search_index
        from ssoconsole.core.trigram import rebuild_after_migrate

        rebuild_after_migrate(
            self, ("accounts", "0004_user_search_index"), "User search", ensure_user_search_index
        )
