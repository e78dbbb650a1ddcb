from django.apps import AppConfig


class ScimConfig(AppConfig):
    name = "ssoconsole.scim"
    label = "scim"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Django rebuilds a SQLite table on some schema changes, dropping its triggers: after every
        # migrate, put the e-mail substring index back if it is missing (scim.email_search).
        from ssoconsole.core.trigram import rebuild_after_migrate
        from ssoconsole.scim.email_search import EMAIL_INDEX

        rebuild_after_migrate(
            self, ("scim", "0003_email_search_index"), "SCIM e-mail filters", EMAIL_INDEX.ensure
        )
        # The post_delete receiver that keeps each tenant's SCIM user count (scim.counts).
        from ssoconsole.scim import counts  # noqa: F401
