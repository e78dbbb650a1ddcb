"""SCIM URLs: everything under ``/scim/v2/<tenantId>/`` goes to one dispatcher (``views.endpoint``)."""

from django.urls import re_path

from ssoconsole.scim import views

app_name = "scim"

urlpatterns = [
    re_path(r"^scim/v2/(?P<tenant_id>[^/]+)/?$", views.endpoint, name="base"),
    re_path(r"^scim/v2/(?P<tenant_id>[^/]+)/(?P<rest>.*)$", views.endpoint, name="endpoint"),
]
