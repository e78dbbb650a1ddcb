from django.apps import AppConfig


class DevIdpConfig(AppConfig):
    """Always installed, so its migrations exist everywhere; its URLs are mounted only when enabled."""

    name = "ssoconsole.devidp"
    label = "devidp"
    verbose_name = "Development identity provider"
    default_auto_field = "django.db.models.BigAutoField"
