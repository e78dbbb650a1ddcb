"""Configuration from the environment: the secret, DEBUG, the base URL and cookie flags."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ssoconsole.config import (
    ConfigurationError,
    load_or_create_secret,
    normalize_base_url,
    read_environment,
)


def test_the_secret_is_generated_with_mode_0600(tmp_path):
    """No default secret in the code: the first run writes one only its owner can read."""
    secret = load_or_create_secret(tmp_path)
    path = tmp_path / "secret_key"
    assert len(secret) >= 50 and path.read_text() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_secret_is_reused_on_later_runs(tmp_path):
    """Restarting keeps sessions and signed values valid."""
    assert load_or_create_secret(tmp_path) == load_or_create_secret(tmp_path)


def test_an_empty_secret_file_is_refused_with_a_fix(tmp_path):
    """A truncated secret is not silently used."""
    (tmp_path / "secret_key").write_text("")
    with pytest.raises(ConfigurationError, match="delete it"):
        load_or_create_secret(tmp_path)


def test_debug_is_off_unless_asked_for():
    """Only SSOCONSOLE_DEBUG turns Django's debug pages on."""
    assert read_environment({}).debug is False
    assert read_environment({"SSOCONSOLE_DEBUG": "no"}).debug is False
    assert read_environment({"SSOCONSOLE_DEBUG": "1"}).debug is True


def test_the_defaults_keep_everything_in_the_data_directory(tmp_path):
    """SQLite in SSOCONSOLE_DATA_DIR, no Redis, the local base URL."""
    env = read_environment({"SSOCONSOLE_DATA_DIR": str(tmp_path)})
    assert env.database_url == f"sqlite:///{tmp_path / 'ssoconsole.sqlite3'}"
    assert env.redis_url is None and env.base_url == "http://127.0.0.1:8000"
    assert read_environment({}).data_dir == Path("./var").resolve()


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://sso.example.com/", "https://sso.example.com"),
        ("https://sso.example.com/console/", "https://sso.example.com/console"),
        ("  http://127.0.0.1:8000  ", "http://127.0.0.1:8000"),
    ],
)
def test_base_urls_are_normalized(value, expected):
    """A trailing slash or spaces would double up in every URL built from it."""
    assert normalize_base_url(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "sso.example.com",
        "ftp://sso.example.com",
        "https://",
        "https://x.example/?a=1",
        "https://x.example/#f",
        "",
    ],
)
def test_malformed_base_urls_are_refused_with_an_example(value):
    """Only absolute http(s) URLs without query or fragment are accepted."""
    with pytest.raises(ConfigurationError) as info:
        normalize_base_url(value)
    assert "SSOCONSOLE_BASE_URL" in str(info.value)


def load_settings(tmp_path: Path, *, extra_keys: tuple[str, ...] = (), **env) -> dict:
    """Import the settings in a fresh interpreter with only ``env`` configured."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SSOCONSOLE_", "DATABASE_URL", "REDIS_URL", "DJANGO_"))
    }
    clean.update(SSOCONSOLE_DATA_DIR=str(tmp_path), **env)
    code = (
        "import json; from ssoconsole import settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "['DEBUG', 'SECRET_KEY', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'SESSION_COOKIE_SAMESITE', 'CSRF_TRUSTED_ORIGINS', 'SSOCONSOLE_BASE_URL', 'SESSION_ENGINE'] + "
        f"{list(extra_keys)!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_settings_generate_the_secret_into_the_data_directory_and_keep_debug_off(tmp_path):
    """A fresh deployment gets its own secret file and no debug pages."""
    loaded = load_settings(tmp_path)
    assert loaded["DEBUG"] is False
    assert loaded["SECRET_KEY"] == (tmp_path / "secret_key").read_text()
    assert load_settings(tmp_path)["SECRET_KEY"] == loaded["SECRET_KEY"]


def test_cookies_are_httponly_samesite_and_secure_under_https(tmp_path):
    """Secure cookies follow an https base URL; HttpOnly and SameSite always hold."""
    plain = load_settings(tmp_path)
    secure = load_settings(tmp_path, SSOCONSOLE_BASE_URL="https://sso.example.com/")
    assert plain["SESSION_COOKIE_HTTPONLY"] and plain["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert plain["SESSION_COOKIE_SECURE"] is False and secure["SESSION_COOKIE_SECURE"] is True
    assert secure["CSRF_COOKIE_SECURE"] is True
    assert secure["CSRF_TRUSTED_ORIGINS"] == ["https://sso.example.com"]
    assert secure["SSOCONSOLE_BASE_URL"] == "https://sso.example.com"


def test_sessions_use_the_engine_that_records_the_user(tmp_path):
    """Deactivation can only end sessions it can find."""
    assert load_settings(tmp_path)["SESSION_ENGINE"] == "ssoconsole.accounts.session_store"


def test_tests_never_use_the_checkouts_data_directory():
    """tests/conftest.py points SSOCONSOLE_DATA_DIR at a temporary directory before settings load."""
    from django.conf import settings

    assert settings.SSOCONSOLE_DATA_DIR != Path("./var").resolve()


def test_the_metadata_allow_list_comes_from_the_environment():
    """A deployment replaces the shipped list of standard IdP domains without touching code."""
    env = read_environment(
        {
            "SSOCONSOLE_METADATA_ALLOWED_HOSTS": "login.microsoftonline.com, *.okta.com idp.example.org"
        }
    )
    assert env.metadata_allowed_hosts == (
        "login.microsoftonline.com",
        "*.okta.com",
        "idp.example.org",
    )
    assert read_environment({}).metadata_allowed_hosts is None  # the shipped list applies


@pytest.mark.parametrize(
    "value", ["", "https://login.example.com", "*.", "localhost", "*.okta.com:443", "a*.okta.com"]
)
def test_a_malformed_metadata_allow_list_is_refused_with_an_example(value):
    with pytest.raises(ConfigurationError, match="SSOCONSOLE_METADATA_ALLOWED_HOSTS"):
        read_environment({"SSOCONSOLE_METADATA_ALLOWED_HOSTS": value})


def test_settings_apply_the_metadata_allow_list_and_ca_bundle(tmp_path):
    loaded = load_settings(
        tmp_path,
        extra_keys=("SSOCONSOLE_METADATA_ALLOWED_HOSTS", "SSOCONSOLE_METADATA_CA_BUNDLE"),
        SSOCONSOLE_METADATA_ALLOWED_HOSTS="*.okta.com",
        SSOCONSOLE_METADATA_CA_BUNDLE="/etc/ssl/certs/ca-certificates.crt",
    )
    assert loaded["SSOCONSOLE_METADATA_ALLOWED_HOSTS"] == ["*.okta.com"]
    assert loaded["SSOCONSOLE_METADATA_CA_BUNDLE"] == "/etc/ssl/certs/ca-certificates.crt"


@pytest.mark.parametrize(
    "value",
    ["smtp://mail.example.test", "smtp+starttls://u:p%40ss@mail.example.test:587", "smtps://h:465"],
)
def test_smtp_urls_of_the_three_kinds_are_accepted(value):
    assert read_environment({"SSOCONSOLE_SMTP_URL": value}).smtp_url == value


@pytest.mark.parametrize("value", ["mail.example.test", "http://mail.example.test", "smtp://"])
def test_a_malformed_smtp_url_is_refused_at_start_with_examples(value):
    with pytest.raises(ConfigurationError, match="smtp\\+starttls://user:password@host:587"):
        read_environment({"SSOCONSOLE_SMTP_URL": value})


def test_no_smtp_url_means_no_email():
    assert read_environment({}).smtp_url is None


def test_dns_nameservers_are_addresses_with_optional_ports(tmp_path):
    """Verified domains ask these servers; unset means the system's resolver."""
    env = {"SSOCONSOLE_DATA_DIR": str(tmp_path)}
    assert read_environment(env).dns_nameservers == ()
    env["SSOCONSOLE_DNS_NAMESERVERS"] = "192.0.2.53, 127.0.0.1:5353,[2001:db8::53]:54"
    assert read_environment(env).dns_nameservers == (
        ("192.0.2.53", 53),
        ("127.0.0.1", 5353),
        ("2001:db8::53", 54),
    )


@pytest.mark.parametrize("value", ["dns.example.com", "127.0.0.1:0", "127.0.0.1:x"])
def test_a_dns_server_that_is_not_an_address_is_refused_at_start_up(tmp_path, value):
    env = {"SSOCONSOLE_DATA_DIR": str(tmp_path), "SSOCONSOLE_DNS_NAMESERVERS": value}
    with pytest.raises(ConfigurationError, match="SSOCONSOLE_DNS_NAMESERVERS"):
        read_environment(env)


@pytest.mark.parametrize("value", ["0", "31", "soon"])
def test_the_dns_timeout_is_bounded(tmp_path, value):
    env = {"SSOCONSOLE_DATA_DIR": str(tmp_path), "SSOCONSOLE_DNS_TIMEOUT_SECONDS": value}
    with pytest.raises(ConfigurationError, match="at most 30"):
        read_environment(env)
