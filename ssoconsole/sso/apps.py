from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "ssoconsole.sso"
    label = "sso"
    verbose_name = "Identity management"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Tell tenancy how to confirm that a provider id belongs to a tenant.

        Tenancy must not import this app's models (the dependency points the
        other way), so it asks through a registered function instead.
        """
        from ssoconsole.sso.providers import provider_belongs_to
        from ssoconsole.tenancy.services import register_provider_checker

        register_provider_checker(provider_belongs_to)

        # The login page continues SSO users through this app's flow (docs/rules.md#sign-in-endpoints).
        from ssoconsole.accounts.signin import register_sso_flow
        from ssoconsole.sso.signin_flow import SAMLSignInFlow

        register_sso_flow(SAMLSignInFlow())
