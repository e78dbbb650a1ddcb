"""SP metadata URLs and sign-in URLs (docs/rules.md#urls)."""

from django.urls import path

from ssoconsole.sso import account_switch, acs, signin_flow, test_mode, views

app_name = "sso"

urlpatterns = [
    path("sso/<str:tenant_id>/metadata", views.sp_metadata, name="sp-metadata"),
    # The ACS takes any string: an unknown or malformed tenant id gets the readable refusal page, not a bare 404.
    path("sso/<str:tenant_id>/acs", acs.acs, name="acs"),
    path("sso/choose-provider", signin_flow.choose_provider, name="choose-provider"),
    path("sso/switch", account_switch.decide, name="switch"),
    path(
        "console/administration/integrations/identity-management/sp-encryption-certificate.cer",
        views.sp_encryption_certificate,
        name="sp-encryption-certificate",
    ),
    path(
        "console/identity-management/providers/<uuid:provider_id>/test",
        test_mode.provider_test,
        name="provider-test",
    ),
    path(
        "console/identity-management/providers/<uuid:provider_id>/test/results/<uuid:result_id>",
        test_mode.provider_test_result,
        name="provider-test-result",
    ),
    # The entity ID is an https URL an IdP administrator may open; it answers with the metadata too.
    # Only UUIDs match, so it cannot shadow any other top-level path.
    path("<uuid:tenant_id>", views.sp_metadata, name="sp-entity-id"),
]
