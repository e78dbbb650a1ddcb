from django.apps import AppConfig


class DevIdpConfig(AppConfig):
    """The development identity provider of the demo; it plugs itself into the product.

    Production code never imports it: when it is ready it registers the one
    thing the sso app needs from it, the answer for its own metadata URLs
    (which only answers while ``SSOCONSOLE_DEVIDP`` is set).
    """

    name = "ssoconsole.devidp"
    label = "devidp"
    verbose_name = "Development identity provider"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ssoconsole.devidp.local_metadata import metadata_source
        from ssoconsole.sso.metadata_fetch import register_local_source

        register_local_source(metadata_source)
