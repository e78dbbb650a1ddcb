"""Django settings, built from the environment by ``ssoconsole.config``.

Nothing here has a production-unsafe default: DEBUG is off unless asked for,
the secret key is generated per deployment, cookies are HttpOnly and SameSite,
and Secure whenever the base URL is https.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from ssoconsole.config import load_or_create_secret, read_environment
from ssoconsole.data_dir import secure_data_dir
from ssoconsole.ops.logs import logging_config

ENV = read_environment()
BASE_DIR = Path(__file__).resolve().parent

SSOCONSOLE_BASE_URL = ENV.base_url
SSOCONSOLE_DATA_DIR = ENV.data_dir
SSOCONSOLE_DEVIDP_ENABLED = ENV.devidp_enabled
SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS = ENV.allow_private_metadata_hosts
if ENV.metadata_allowed_hosts is not None:
    SSOCONSOLE_METADATA_ALLOWED_HOSTS = ENV.metadata_allowed_hosts
if ENV.metadata_ca_bundle is not None:
    SSOCONSOLE_METADATA_CA_BUNDLE = ENV.metadata_ca_bundle
# Reverse proxies whose X-Forwarded-For / Forwarded / X-Forwarded-Proto are believed (ssoconsole.core.proxies).
SSOCONSOLE_TRUSTED_PROXIES = ENV.trusted_proxies
# Throttle overrides from SSOCONSOLE_LIMIT_<SCOPE> variables (ssoconsole.accounts.throttle).
SSOCONSOLE_THROTTLE = ENV.limits
SSOCONSOLE_LOG_FORMAT = ENV.log_format
SSOCONSOLE_METRICS_TOKEN = ENV.metrics_token
SSOCONSOLE_METRICS_ALLOWED_ADDRESSES = ENV.metrics_allowed
# Where certificate-expiry warnings are e-mailed from (ssoconsole.core.mail); unset: no e-mail.
SSOCONSOLE_SMTP_URL = ENV.smtp_url
SSOCONSOLE_MAIL_FROM = ENV.mail_from
SSOCONSOLE_DNS_NAMESERVERS = ENV.dns_nameservers
SSOCONSOLE_DNS_TIMEOUT_SECONDS = ENV.dns_timeout_seconds

# Persistent connections: opening one (and, on SQLite, running its PRAGMAs)
# cost more than the queries of a whole sign-in step. Each gunicorn thread
# keeps its connection for up to ten minutes; CONN_HEALTH_CHECKS tests a
# reused connection at the start of a request, so one the database dropped
# (a PostgreSQL restart, an idle timeout) is replaced instead of failing it.
_database = dj_database_url.parse(ENV.database_url, conn_max_age=600, conn_health_checks=True)
# 0700 data directory, 0600 database and secret, tightened at every start (ssoconsole.data_dir).
for _change in secure_data_dir(
    ENV.data_dir,
    Path(_database["NAME"]) if _database["ENGINE"] == "django.db.backends.sqlite3" else None,
):
    print(f"ssoconsole: made private: {_change}", file=sys.stderr)

SECRET_KEY = ENV.secret_key or load_or_create_secret(ENV.data_dir)
SECRET_KEY_FALLBACKS = list(ENV.secret_key_fallbacks)
DEBUG = ENV.debug

_base = urlsplit(ENV.base_url)
_https = _base.scheme == "https"
# The Host header is never used to build URLs (ssoconsole.core.urls does that
# from the base URL); it is still checked so that a misrouted request fails.
ALLOWED_HOSTS = ["*"]
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]
USE_X_FORWARDED_HOST = False

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ssoconsole.core",
    "ssoconsole.ops",
    "ssoconsole.tenancy",
    "ssoconsole.accounts",
    "ssoconsole.audit",
    "ssoconsole.api",
    "ssoconsole.console",
    "ssoconsole.sso",
    "ssoconsole.agents",
    "ssoconsole.scim",
]
if SSOCONSOLE_DEVIDP_ENABLED:
    # The demo's development identity provider exists only when asked for (SSOCONSOLE_DEVIDP, which
    # ``ssoconsole demo`` sets): installed, it brings its models and migrations, registers its
    # metadata source (DevIdpConfig.ready) and is mounted at /devidp/ (urls.py). A production
    # configuration does not install it, so its tables are neither created nor read (docs/devidp.md).
    INSTALLED_APPS.append("ssoconsole.devidp")

MIDDLEWARE = [
    "ssoconsole.ops.request_log.RequestLogMiddleware",
    "ssoconsole.core.proxies.ForwardedSchemeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ssoconsole.core.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ssoconsole.accounts.middleware.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ssoconsole.urls"
WSGI_APPLICATION = "ssoconsole.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "ssoconsole.console.context.console",
            ],
        },
    }
]

DATABASES = {"default": _database}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Django's backend, with writers queueing on a lock file instead of sleeping in SQLite's
    # busy handler (ssoconsole.core.sqlite.base).
    DATABASES["default"]["ENGINE"] = "ssoconsole.core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        # Run once per connection, which now lives across requests. WAL and a
        # busy timeout let gunicorn's workers share the file; NORMAL sync is
        # durable across application crashes (WAL) and skips an fsync per commit.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        # Write transactions take the write lock at BEGIN, so two sign-ins never
        # deadlock upgrading read locks (SQLITE_BUSY without waiting).
        "transaction_mode": "IMMEDIATE",
    }

# The cache holds throttle counts only (sessions, sign-in requests and the replay cache are in the
# database). It is shared by every process: Redis when REDIS_URL is set (falling back to per-process
# memory while Redis is down), otherwise one SQLite file that all workers of this machine share.
if ENV.redis_url:
    CACHES = {
        "default": {
            "BACKEND": "ssoconsole.ops.cache.ResilientRedisCache",
            "LOCATION": ENV.redis_url,
            "KEY_PREFIX": "ssoconsole",
            # Fail fast while Redis is down: the request goes on with the per-process fallback.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "ssoconsole.ops.sqlite_cache.SharedSQLiteCache",
            "LOCATION": str(ENV.data_dir / "cache.sqlite3"),
            "KEY_PREFIX": "ssoconsole",
            "TIMEOUT": 3600,
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

# Sessions live in the database (the source of truth), so any process can
# serve any request; the engine also records each session's user, so that
# deactivating a user ends their sessions at once.
SESSION_ENGINE = "ssoconsole.accounts.session_store"
SESSION_COOKIE_NAME = "ssoconsole_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _https
SESSION_COOKIE_AGE = 12 * 3600  # absolute maximum; see accounts.sessions for idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = _https
CSRF_FAILURE_VIEW = "ssoconsole.console.errors.csrf_failure"

SSOCONSOLE_SESSION_IDLE_SECONDS = 60 * 60
SSOCONSOLE_SESSION_ABSOLUTE_SECONDS = 12 * 3600

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _https:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = None

AUTH_USER_MODEL = "accounts.User"
# Usernames are unique case-insensitively through a functional unique constraint,
# which this check cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
AUTHENTICATION_BACKENDS = ["ssoconsole.accounts.backends.PasswordBackend"]
LOGIN_URL = "/login"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]

DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = ENV.data_dir / "static"
# The console ships its own files; whitenoise serves them from the app
# directories so that ``serve`` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Files browsers ask for at the site's root (/favicon.ico), served as static files.
WHITENOISE_ROOT = BASE_DIR / "core" / "root"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = logging_config(ENV.log_format)
