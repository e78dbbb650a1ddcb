from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ScimConfig(AppConfig):
    name = "ssoconsole.scim"
    label = "scim"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Django rebuilds a SQLite table on some schema changes, dropping its triggers: after every
        # migrate, put the e-mail substring index back if it is missing (scim.email_search).
        post_migrate.connect(_ensure_email_index, sender=self)
        # The post_delete receiver that keeps each tenant's SCIM user count (scim.counts).
        from ssoconsole.scim import counts  # noqa: F401


def _ensure_email_index(sender, using="default", verbosity=1, plan=None, **kwargs) -> None:
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from ssoconsole.scim.email_search import EMAIL_INDEX

    applied = MigrationRecorder(connections[using]).applied_migrations()
    if ("scim", "0003_email_search_index") not in applied:
        return  # migrated backwards, or not that far yet
    outcome = EMAIL_INDEX.ensure(using)
    if verbosity >= 1 and not outcome.endswith("in place"):
        print(f"  SCIM e-mail filters: {outcome}")
