from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "ssoconsole.agents"
    label = "agents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ssoconsole.agents.handoff import purge_expired
        from ssoconsole.core.housekeeping import register_purge

        register_purge("old agent hand-off(s)", purge_expired)
        # Django rebuilds a SQLite table on some schema changes, dropping its triggers: after every
        # migrate, put the agent search index back if it is missing (agents.search).
        from ssoconsole.agents.search import AGENT_INDEX
        from ssoconsole.core.trigram import rebuild_after_migrate

        rebuild_after_migrate(
            self, ("agents", "0006_agent_search_index"), "Agent search", AGENT_INDEX.ensure
        )
