"""Finding 6: another local account cannot read the data directory, and a stolen session row is no cookie.

The attack: a local user reads the SQLite file of a running ``ssoconsole
serve`` (0755 directory, 0644 database before the fix), takes the session
keys and presents them as the session cookie. Now the server tightens an
old installation's modes at start (0700, 0600), and the rows hold only a
hash of each key, so a key read from them signs in as nobody.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest
import requests
from console_process import CLI, free_port, serve

from ssoconsole.accounts.session_store import stored_key
from ssoconsole.config import ConfigurationError
from ssoconsole.data_dir import secure_data_dir

from .live import csrf_token

PASSWORD = "Data-dir-check-1234!"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _cli(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CLI, *args], check=False, env=env, capture_output=True, text=True, timeout=120
    )


def _env(data_dir: Path, base_url: str = "http://127.0.0.1:8000") -> dict:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(SSOCONSOLE_DATA_DIR=str(data_dir), SSOCONSOLE_BASE_URL=base_url)
    return env


def test_an_old_install_is_made_private_at_start_and_session_rows_are_no_cookies(tmp_path):
    data_dir = tmp_path / "var"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = _env(data_dir, base)
    assert _cli(env, "migrate").returncode == 0
    tenant = _cli(env, "create-tenant", "--name", "Modes").stdout.split()[-1]
    created = _cli(
        env, "create-user", "--tenant", tenant, "--username", "m@modes.test", "--password", PASSWORD
    )
    assert created.returncode == 0, created.stderr
    database = data_dir / "ssoconsole.sqlite3"
    # Today's installations: what the default umask gave them.
    os.chmod(data_dir, 0o755)
    for name in ("ssoconsole.sqlite3", "secret_key"):
        os.chmod(data_dir / name, 0o644)
    notes = data_dir / "notes.txt"
    notes.write_text("the operator's own file")
    os.chmod(notes, 0o644)

    with serve(env, port, tmp_path / "serve.log") as url:
        assert _mode(data_dir) == 0o700
        assert _mode(database) == 0o600 and _mode(data_dir / "secret_key") == 0o600
        assert _mode(notes) == 0o644, "files the product did not write are left alone"

        browser = requests.Session()
        page = browser.get(f"{url}/login", timeout=30)
        signed_in = browser.post(
            f"{url}/login",
            {
                "step": "password",
                "username": "m@modes.test",
                "password": PASSWORD,
                "csrfmiddlewaretoken": csrf_token(page.text),
            },
            allow_redirects=False,
            timeout=30,
        )
        assert signed_in.status_code == 302
        cookie = browser.cookies["ssoconsole_session"]
        assert browser.get(f"{url}/api/v1/me", timeout=30).status_code == 200
        for suffix in ("-wal", "-shm"):
            companion = database.with_name(database.name + suffix)
            assert not companion.exists() or _mode(companion) == 0o600

        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            stolen = [
                row[0] for row in db.execute("SELECT session_key FROM accounts_console_session")
            ]
        assert stored_key(cookie) in stolen and cookie not in stolen
        for key in stolen:
            thief = requests.get(
                f"{url}/api/v1/me", cookies={"ssoconsole_session": key}, timeout=30
            )
            assert thief.status_code == 401, "a key read from the database is no session cookie"


def test_a_fresh_data_directory_is_created_private(tmp_path):
    data_dir = tmp_path / "new" / "var"
    secure_data_dir(data_dir, data_dir / "ssoconsole.sqlite3")
    assert _mode(data_dir) == 0o700 and _mode(data_dir / "ssoconsole.sqlite3") == 0o600


def test_start_is_refused_with_the_fix_when_the_modes_cannot_be_changed():
    """As an account that does not own the 0755 directory: the start stops and names the command.

    Run as root, the real case is played: a root-owned old install started by
    the unprivileged account "nobody" (when nobody can reach this checkout's
    virtual environment; a checkout inside a private home directory cannot,
    and then the refusal is checked in process, as for any other account).
    """
    if os.geteuid() == 0 and _nobody_can_run_the_cli():
        # Real: a root-owned old install, started as the unprivileged account "nobody".
        loose = Path(tempfile.mkdtemp(prefix="ssoconsole-modes-"))
        try:
            os.chmod(loose, 0o755)
            done = subprocess.run(
                ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", CLI, "migrate"],
                env=_env(loose),
                check=False,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode != 0
            assert f"chmod 700 {loose}" in done.stderr and "belongs to root" in done.stderr
            assert _mode(loose) == 0o755 and not (loose / "ssoconsole.sqlite3").exists()
        finally:
            os.rmdir(loose)
    else:
        with tempfile.TemporaryDirectory() as parent:
            loose = Path(parent)
            os.chmod(loose, 0o755)
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(os, "chmod", _refuse_chmod)
                with pytest.raises(ConfigurationError, match=f"chmod 700 {loose}"):
                    secure_data_dir(loose)


def _nobody_can_run_the_cli() -> bool:
    probe = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", CLI, "--help"],
        check=False,
        capture_output=True,
        timeout=60,
    )
    return probe.returncode == 0


def _refuse_chmod(*_args, **_kwargs):
    raise PermissionError("not the owner")
