"""The agent's browser page; the agent's own endpoints are in the REST API (``/api/v1/agents/...``)."""

from django.urls import path

from ssoconsole.agents import views

app_name = "agents"

urlpatterns = [
    path("agents/authorize/<str:key>", views.authorize, name="authorize"),
]
