"""Settings of the empty site: Django with nothing to do (no apps, no middleware, no database)."""

from __future__ import annotations

import os

SECRET_KEY = os.environ["PEER_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "empty_sp.urls"
WSGI_APPLICATION = "empty_sp.wsgi.application"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
USE_TZ = True
TIME_ZONE = "UTC"

BASE_URL = os.environ["PEER_BASE_URL"].rstrip("/")
IDP_SSO_URL = os.environ["PEER_IDP_SSO_URL"]
