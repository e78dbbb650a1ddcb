from django.apps import AppConfig
from django.db.models.signals import post_migrate


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
        post_migrate.connect(_ensure_search_index, sender=self)


def _ensure_search_index(sender, using="default", verbosity=1, plan=None, **kwargs) -> None:
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from ssoconsole.accounts.search import ensure_user_search_index

    applied = MigrationRecorder(connections[using]).applied_migrations()
    if ("accounts", "0004_user_search_index") not in applied:
        return  # migrated backwards, or not that far yet
    outcome = ensure_user_search_index(using)
    if verbosity >= 1 and outcome != "user search index in place":
        print(f"  User search: {outcome}")
