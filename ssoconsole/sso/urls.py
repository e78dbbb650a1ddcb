"""SP metadata URLs (SPEC section 2); the ACS belongs to sign-in and is added there."""

from django.urls import path

from ssoconsole.sso import views

app_name = "sso"

urlpatterns = [
    path("sso/<str:tenant_id>/metadata", views.sp_metadata, name="sp-metadata"),
    # The entity ID is an https URL an IdP administrator may open; it answers with the metadata too.
    # Only UUIDs match, so it cannot shadow any other top-level path.
    path("<uuid:tenant_id>", views.sp_metadata, name="sp-entity-id"),
]
