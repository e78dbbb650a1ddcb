from django.apps import AppConfig
from django.db.models.signals import post_migrate


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
        post_migrate.connect(_ensure_search_index, sender=self)


def _ensure_search_index(sender, using="default", verbosity=1, plan=None, **kwargs) -> None:
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from ssoconsole.agents.search import AGENT_INDEX

    applied = MigrationRecorder(connections[using]).applied_migrations()
    if ("agents", "0006_agent_search_index") not in applied:
        return  # migrated backwards, or not that far yet
    outcome = AGENT_INDEX.ensure(using)
    if verbosity >= 1 and not outcome.endswith("in place"):
        print(f"  Agent search: {outcome}")
