"""The development identity provider is installed only when enabled (SSOCONSOLE_DEVIDP), as users run it.

A production ``ssoconsole migrate`` creates none of its tables; ``ssoconsole demo``
installs and migrates it for itself and serves it; a database the demo used, with
the dev IdP's tables left in it, still serves production unchanged, and those tables
can be dropped as docs/deployment.md says.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from console_process import free_port, serve
from test_commands import cli_env, get, run


def _tables(data_dir: Path) -> set[str]:
    with sqlite3.connect(data_dir / "ssoconsole.sqlite3") as db:
        return {
            name for (name,) in db.execute("select name from sqlite_master where type = 'table'")
        }


def shell(data_dir: Path, code: str, **env) -> str:
    """Run ``code`` in ``ssoconsole shell`` and return what it printed last."""
    result = run(data_dir, "shell", "--verbosity", "0", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]  # request logs, if any, come first


def _applied_apps(data_dir: Path) -> set[str]:
    with sqlite3.connect(data_dir / "ssoconsole.sqlite3") as db:
        return {app for (app,) in db.execute("select app from django_migrations")}


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> Path:
    """A data directory migrated by a production ``ssoconsole migrate`` (no SSOCONSOLE_DEVIDP)."""
    data_dir = tmp_path_factory.mktemp("production")
    result = run(data_dir, "migrate")
    assert result.returncode == 0, result.stderr
    return data_dir


def test_production_migrate_creates_no_devidp_table(production):
    tables = _tables(production)
    assert "accounts_user" in tables and "sso_authprovider" in tables
    assert not {t for t in tables if t.startswith("devidp_")}
    assert "devidp" not in _applied_apps(production)


def test_production_does_not_install_the_app_and_the_flag_does(production):
    probe = "from django.apps import apps; print(apps.is_installed('ssoconsole.devidp'))"
    assert shell(production, probe) == "False"
    assert shell(production, probe, SSOCONSOLE_DEVIDP="1") == "True"


def test_production_has_no_devidp_management_command(production):
    """Its one command (the admin password) belongs to the installed dev IdP only."""
    result = run(production, "devidp_admin_password")
    assert result.returncode == 2 and "unknown command" in result.stderr


def test_serving_the_devidp_on_a_production_database_says_how_to_migrate_it(production):
    result = run(production, "serve", "--port", str(free_port()), SSOCONSOLE_DEVIDP="1")
    assert result.returncode == 1
    assert (
        "SSOCONSOLE_DEVIDP=1 ssoconsole migrate" in result.stderr
        and "Traceback" not in result.stderr
    )


def test_the_demo_migrates_and_serves_its_idp_and_production_ignores_its_tables_after(tmp_path):
    """``./run demo`` on a production-migrated database: the demo adds the dev IdP's tables and serves
    /devidp/ with SSO configured; afterwards production neither lists them as pending nor serves them."""
    assert run(tmp_path, "migrate").returncode == 0
    log = tmp_path / "demo.log"
    with serve(cli_env(tmp_path), free_port(), log, command="demo", args=("--configured",)) as url:
        assert get(f"{url}/devidp/admin/signin")[0] == 200
        assert get(f"{url}/login")[0] == 200
    output = log.read_text()
    assert "Dev IdP admin password" in output and "Traceback" not in output
    assert {t for t in _tables(tmp_path) if t.startswith("devidp_")}
    # The same database in production: nothing pending, nothing mounted, a system check that passes.
    assert run(tmp_path, "migrate", "--check").returncode == 0
    assert run(tmp_path, "check").returncode == 0
    probe = (
        "from django.test import Client; print(Client().get('/devidp/admin/signin').status_code)"
    )
    assert shell(tmp_path, probe) == "404"
    # docs/deployment.md's way to remove them: with the app installed, unapply its migrations.
    assert run(tmp_path, "migrate", "devidp", "zero", SSOCONSOLE_DEVIDP="1").returncode == 0
    assert not {t for t in _tables(tmp_path) if t.startswith("devidp_")}
    assert run(tmp_path, "migrate", "--check").returncode == 0
