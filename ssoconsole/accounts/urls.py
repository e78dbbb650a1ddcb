"""Sign-in and sign-out URLs; ``/login`` is the tenant-independent login URL (docs/rules.md#urls)."""

from django.urls import path

from ssoconsole.accounts import views

urlpatterns = [
    path("login", views.login, name="login"),
    path("logout", views.logout, name="logout"),
    path("signed-out", views.signed_out, name="signed-out"),
]
