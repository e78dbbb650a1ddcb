from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "ssoconsole.agents"
    label = "agents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ssoconsole.agents.handoff import purge_expired
        from ssoconsole.core.housekeeping import register_purge

        register_purge("old agent hand-off(s)", purge_expired)
