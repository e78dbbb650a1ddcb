"""Settings of the python3-saml peer: from the environment that ``signin_load.py`` sets."""

from __future__ import annotations

import os

import dj_database_url

SECRET_KEY = os.environ["PEER_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "python3_saml_sp.urls"
WSGI_APPLICATION = "python3_saml_sp.wsgi.application"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "python3_saml_sp",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
# The same connection settings as the product: persistent, health-checked.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ["PEER_DATABASE_URL"], conn_max_age=600, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # no passwords are checked

BASE_URL = os.environ["PEER_BASE_URL"].rstrip("/")
SAML_SETTINGS = {
    "strict": True,
    "debug": False,
    "sp": {
        "entityId": f"{BASE_URL}/metadata",
        "assertionConsumerService": {
            "url": f"{BASE_URL}/acs",
            "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
        },
        "NameIDFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    },
    "idp": {
        "entityId": os.environ["PEER_IDP_ENTITY_ID"],
        "singleSignOnService": {
            "url": os.environ["PEER_IDP_SSO_URL"],
            "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
        },
        "x509cert": os.environ["PEER_IDP_CERT"],
    },
    "security": {
        "wantAssertionsSigned": True,
        "wantMessagesSigned": False,
        "rejectDeprecatedAlgorithm": True,
        "wantNameId": True,
    },
}
