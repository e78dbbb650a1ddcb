from django.urls import path

from empty_sp import views

urlpatterns = [
    path("login", views.login),
    path("acs", views.acs),
    path("me", views.me),
]
