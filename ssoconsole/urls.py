"""Root URL configuration: each app owns its own URL module."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("ssoconsole.api.urls")),
    path("", include("ssoconsole.accounts.urls")),
    path("", include("ssoconsole.console.urls")),
    path("", include("ssoconsole.sso.urls")),
]
