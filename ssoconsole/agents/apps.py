from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "ssoconsole.agents"
    label = "agents"
    default_auto_field = "django.db.models.BigAutoField"
