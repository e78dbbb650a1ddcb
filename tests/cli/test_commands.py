"""The ``ssoconsole`` command, run as a user runs it: a subprocess on a temporary data directory.

The commands always use SQLite in that directory (DATABASE_URL and REDIS_URL
are removed), so that they never touch a PostgreSQL database that other runs use; the
in-process tests cover PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from console_process import free_port

SCRIPT = Path(sys.executable).with_name("ssoconsole")


def cli_env(data_dir: Path, **extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "SSOCONSOLE_BASE_URL",
            "SSOCONSOLE_SECRET_KEY",
            "SSOCONSOLE_DEVIDP",
            "DJANGO_SETTINGS_MODULE",  # the tests' own (tests/testing_settings.py): users have none
        }
    }
    env.update(SSOCONSOLE_DATA_DIR=str(data_dir), **extra)
    return env


def run(data_dir: Path, *args: str, **extra_env) -> subprocess.CompletedProcess:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "ssoconsole.cli"]
    return subprocess.run(
        [*command, *args],
        env=cli_env(data_dir, **extra_env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def last_word(output: str) -> str:
    return output.strip().splitlines()[-1].split()[-1]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A data directory with a migrated database, used by all of this module's tests."""
    data_dir = tmp_path_factory.mktemp("cli-data")
    result = run(data_dir, "migrate")
    assert result.returncode == 0, result.stderr
    return data_dir


@pytest.fixture(scope="module")
def tenant_id(migrated) -> str:
    return last_word(run(migrated, "create-tenant", "--name", "CLI Tenant").stdout)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@cli.test"


def test_migrate_creates_the_database_and_a_private_secret(migrated):
    """The SQLite file and the generated secret key (mode 0600) live in the data directory."""
    assert (migrated / "ssoconsole.sqlite3").exists()
    assert stat.S_IMODE((migrated / "secret_key").stat().st_mode) == 0o600


def test_create_tenant_prints_the_tenant_id_last(migrated):
    """Scripts read the id as the last word of the output."""
    result = run(migrated, "create-tenant", "--name", "Printed Id")
    assert result.returncode == 0
    uuid.UUID(last_word(result.stdout))


def test_create_tenant_uses_the_given_id(migrated):
    """--id fixes the tenant id (and thus its SP entity ID)."""
    wanted = str(uuid.uuid4())
    assert (
        last_word(run(migrated, "create-tenant", "--name", "Fixed", "--id", wanted).stdout)
        == wanted
    )


def test_a_duplicate_tenant_id_fails_with_a_next_step(migrated, tenant_id):
    """Exit 1, the reason and what to do, no traceback."""
    result = run(migrated, "create-tenant", "--name", "Again", "--id", tenant_id)
    assert result.returncode == 1
    assert "already exists" in result.stderr and "Leave out --id" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("create-tenant",),
        ("create-tenant", "--name", "X", "--id", "not-a-uuid"),
        ("create-user", "--username", "u@cli.test"),
        ("create-user", "--tenant", "nope", "--username", "u@cli.test"),
        ("create-api-token",),
        ("no-such-command",),
        (),
    ],
    ids=[
        "tenant-without-name",
        "tenant-bad-id",
        "user-without-tenant",
        "user-bad-tenant-id",
        "token-without-user",
        "unknown-command",
        "nothing",
    ],
)
def test_usage_errors_exit_with_2_and_say_what_is_wrong(migrated, args):
    """Missing or malformed arguments are usage errors."""
    result = run(migrated, *args)
    assert result.returncode == 2, result.stderr
    assert "usage:" in result.stderr and "Traceback" not in result.stderr


def test_create_user_puts_the_user_in_the_top_org_with_the_roles(migrated, tenant_id):
    """Roles repeat; the org defaults to the top org; the user id is printed."""
    username = unique("admin")
    result = run(
        migrated,
        "create-user",
        "--tenant",
        tenant_id,
        "--username",
        username,
        "--role",
        "identity-admin",
        "--role",
        "org-admin",
        "--password",
        "a-long-enough-password",
    )
    assert result.returncode == 0, result.stderr
    assert "identity-admin, org-admin" in result.stdout and "“CLI Tenant”" in result.stdout
    uuid.UUID(last_word(result.stdout))


def test_create_user_in_a_given_org(migrated, tenant_id):
    """--org places the user in that org of the tenant."""
    shell = run(
        migrated,
        "shell",
        "-c",
        f"from ssoconsole.tenancy.services import *; from ssoconsole.tenancy.models import Tenant; "
        f"print(create_org(Tenant.objects.get(id='{tenant_id}'), 'Sub {uuid.uuid4().hex[:6]}').id)",
    )
    org_id = last_word(shell.stdout)
    result = run(
        migrated,
        "create-user",
        "--tenant",
        tenant_id,
        "--username",
        unique("member"),
        "--org",
        org_id,
    )
    assert result.returncode == 0, result.stderr
    assert "single sign-on" in result.stdout  # no password given


def test_create_user_in_an_unknown_tenant_fails(migrated):
    """The message names the id and the command that creates tenants."""
    result = run(migrated, "create-user", "--tenant", str(uuid.uuid4()), "--username", unique("x"))
    assert (
        result.returncode == 1
        and "No tenant with id" in result.stderr
        and "create-tenant" in result.stderr
    )


def test_create_user_with_a_taken_username_in_another_case_fails(migrated, tenant_id):
    """Usernames are unique regardless of case, from the CLI too."""
    username = unique("dup")
    assert (
        run(migrated, "create-user", "--tenant", tenant_id, "--username", username).returncode == 0
    )
    result = run(migrated, "create-user", "--tenant", tenant_id, "--username", username.upper())
    assert result.returncode == 1 and "already in use" in result.stderr


def test_create_user_with_a_short_password_fails_with_the_rule(migrated, tenant_id):
    """The password rule is stated, with the way out."""
    result = run(
        migrated,
        "create-user",
        "--tenant",
        tenant_id,
        "--username",
        unique("pw"),
        "--password",
        "short",
    )
    assert result.returncode == 1 and "at least 12 characters" in result.stderr


def test_create_user_with_an_unknown_role_is_a_usage_error(migrated, tenant_id):
    """The error lists the valid roles."""
    result = run(
        migrated, "create-user", "--tenant", tenant_id, "--username", unique("r"), "--role", "boss"
    )
    assert result.returncode == 2 and "identity-admin" in result.stderr


def test_create_user_in_an_org_of_another_tenant_fails(migrated, tenant_id):
    """An org id from another tenant is not found."""
    other = last_word(run(migrated, "create-tenant", "--name", "Other").stdout)
    other_top = last_word(
        run(
            migrated,
            "shell",
            "-c",
            f"from ssoconsole.tenancy.services import top_org; "
            f"from ssoconsole.tenancy.models import Tenant; print(top_org(Tenant.objects.get(id='{other}')).id)",
        ).stdout
    )
    result = run(
        migrated,
        "create-user",
        "--tenant",
        tenant_id,
        "--username",
        unique("x"),
        "--org",
        other_top,
    )
    assert result.returncode == 1 and "No organization with this id" in result.stderr


def test_create_api_token_prints_a_token_last(migrated, tenant_id):
    """The bearer token is the last word; only its hash is stored."""
    username = unique("tok")
    run(migrated, "create-user", "--tenant", tenant_id, "--username", username)
    result = run(migrated, "create-api-token", "--username", username.upper())
    assert result.returncode == 0 and last_word(result.stdout).startswith("ssoc_")


def test_create_api_token_for_an_unknown_user_fails(migrated):
    """The message says to create the user first."""
    result = run(migrated, "create-api-token", "--username", "nobody@cli.test")
    assert result.returncode == 1 and "create-user" in result.stderr


def test_cli_actions_are_audited_as_cli(migrated, tenant_id):
    """Audit events of CLI actions name the CLI as the actor."""
    result = run(
        migrated,
        "shell",
        "-c",
        "from ssoconsole.audit.models import AuditEvent; "
        "print(sorted(set(AuditEvent.objects.filter(actor_label='cli').values_list('action', flat=True))))",
    )
    for action in ("tenant.created", "user.created", "api_token.created"):
        assert action in result.stdout


def test_commands_before_migrate_say_to_run_migrate(tmp_path):
    """An empty database is an expected state with a clear next step."""
    result = run(tmp_path, "create-tenant", "--name", "Too early")
    assert (
        result.returncode == 1
        and "ssoconsole migrate" in result.stderr
        and "Traceback" not in result.stderr
    )


def test_a_bad_base_url_in_the_environment_is_a_configuration_error(tmp_path):
    """Configuration errors are explained, not dumped."""
    result = run(tmp_path, "migrate", SSOCONSOLE_BASE_URL="ftp://example.test")
    assert (
        result.returncode == 1
        and "configuration error" in result.stderr
        and "https://" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_other_django_commands_pass_through(migrated):
    """``ssoconsole check`` runs Django's system check."""
    result = run(migrated, "check")
    assert result.returncode == 0 and "no issues" in result.stdout


def get(url: str, token: str | None = None):
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}"} if token else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_serve_runs_gunicorn_with_static_files_and_the_base_url_and_stops_on_sigterm(
    migrated, tenant_id
):
    """The workers see --base-url, static files are served, and SIGTERM stops the server cleanly."""
    username = unique("serve")
    run(
        migrated,
        "create-user",
        "--tenant",
        tenant_id,
        "--username",
        username,
        "--role",
        "identity-admin",
    )
    token = last_word(run(migrated, "create-api-token", "--username", username).stdout)
    port = free_port()
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "ssoconsole.cli"]
    server = subprocess.Popen(
        [*command, "serve", "--port", str(port), "--base-url", "https://sso.example.test/"],
        env=cli_env(migrated),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                if get(f"{base}/login")[0] == 200:
                    break
            except OSError:
                time.sleep(0.25)
        else:
            pytest.fail("the server did not answer within 30 seconds")
        assert get(f"{base}/static/console/console.css")[0] == 200
        status, body = get(f"{base}/api/v1/service-provider", token)
        assert (
            status == 200
            and json.loads(body)["entityId"] == f"https://sso.example.test/{tenant_id}"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    assert "gunicorn" in output and "Shutting down" in output and "GET /login" in output


def test_serve_refuses_a_malformed_base_url(migrated):
    """--base-url must be an absolute http(s) URL."""
    result = run(migrated, "serve", "--base-url", "sso.example.test")
    assert result.returncode == 2 and "--base-url" in result.stderr


def test_serve_says_to_migrate_first(tmp_path):
    """Serving an empty database would fail on every request; it is refused up front."""
    result = run(tmp_path, "serve", "--port", str(free_port()))
    assert result.returncode == 1 and "ssoconsole migrate" in result.stderr


def test_serve_reports_a_port_in_use(migrated):
    """A busy port is named, with what to do."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run(migrated, "serve", "--port", str(busy.getsockname()[1]))
    assert result.returncode == 1 and "in use" in result.stderr and "--port" in result.stderr


def test_an_unreachable_database_is_explained_without_a_traceback(tmp_path):
    """Even Django's own commands report a database that does not answer in one sentence."""
    result = run(tmp_path, "migrate", DATABASE_URL="postgres://postgres@127.0.0.1:1/none")
    assert (
        result.returncode == 1
        and "DATABASE_URL" in result.stderr
        and "Traceback" not in result.stderr
    )


def test_help_for_a_command_shows_its_options(tmp_path):
    """``ssoconsole help create-user`` is the same as ``ssoconsole create-user --help``."""
    result = run(tmp_path, "help", "create-user")
    assert result.returncode == 0 and "--tenant" in result.stdout and "--role" in result.stdout
