from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ssoconsole.ops"
    label = "ops"

    def ready(self) -> None:
        # Sign-in, agent and refresh counters follow the audit log (one place where they are all written).
        from ssoconsole.ops import metrics

        metrics.connect_audit_signals()
