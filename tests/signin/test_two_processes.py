"""Replay across two server processes sharing one database (docs/rules.md#several-processes-behave-as-one).

Two ``ssoconsole serve`` processes behind one base URL (as behind a load
balancer) share a database: PostgreSQL when ``DATABASE_URL`` points at it
(in a database of its own, created and dropped here, so concurrent test runs
never meet), otherwise one SQLite file in one common data directory. The
sign-in starts on one process, completes on the other, and the same POST
sent to the first process again is refused by the replay cache, the unique
row in the common database. It always runs; nothing is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from console_process import CLI, free_port, serve

from ssoconsole.saml.config import ServiceProvider

from . import helpers


@contextmanager
def _database(data_dir: Path):
    """Yield the DATABASE_URL the two servers share, or None for the SQLite file in ``data_dir``."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield None
        return
    import psycopg

    parts = urlsplit(url)
    name = f"ssoconsole_replay_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(env, *args) -> str:
    done = subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"ssoconsole {' '.join(args)}: {done.stderr[-2000:]}"
    return done.stdout.strip().splitlines()[-1].split()[-1]


def test_a_response_accepted_by_one_process_is_refused_by_the_other(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with ExitStack() as stack:
        database_url = stack.enter_context(_database(data_dir))
        port_a, port_b = free_port(), free_port()
        base = f"http://127.0.0.1:{port_a}"
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
        }
        env.update(SSOCONSOLE_DATA_DIR=str(data_dir), SSOCONSOLE_BASE_URL=base)
        if database_url:
            env["DATABASE_URL"] = database_url
        _run(env, "migrate")
        tenant_id = _run(env, "create-tenant", "--name", "Replay Co")
        _run(
            env,
            "create-user",
            "--tenant",
            tenant_id,
            "--username",
            "admin@replay.test",
            "--role",
            "identity-admin",
            "--role",
            "org-admin",
            "--password",
            "Replay-check-1234!",
        )
        _run(env, "create-user", "--tenant", tenant_id, "--username", "ada@replay.test")
        token = _run(env, "create-api-token", "--username", "admin@replay.test")

        # Both behind one base URL, as behind a load balancer.
        behind_base = ("--base-url", base)
        a = stack.enter_context(serve(env, port_a, tmp_path / "a.log", args=behind_base))
        b = stack.enter_context(serve(env, port_b, tmp_path / "b.log", args=behind_base))
        auth = {"Authorization": f"Bearer {token}"}
        created = requests.post(
            f"{a}/api/v1/auth-providers",
            headers=auth,
            timeout=30,
            json={
                "displayName": "Entra ID",
                "metadataXml": helpers.metadata(
                    helpers.ENTITY_A, helpers.SSO_URL_A, helpers.key()
                ).decode(),
            },
        )
        assert created.status_code == 201, created.text
        top = next(
            o
            for o in requests.get(f"{a}/api/v1/orgs", headers=auth, timeout=30).json()["items"]
            if not o.get("parentId")
        )
        assert (
            requests.put(
                f"{a}/api/v1/auth-providers/{created.json()['id']}/orgs",
                headers=auth,
                timeout=30,
                json={"orgIds": [top["id"]]},
            ).status_code
            == 200
        )

        browser = requests.Session()
        login = browser.get(
            f"{a}/login", params={"username": "ada@replay.test"}, allow_redirects=False, timeout=30
        )
        assert login.status_code == 302, login.text[:500]
        started = helpers.parse_redirect(login.headers["Location"])
        sp = ServiceProvider(entity_id=f"{base}/{tenant_id}", acs_url=f"{base}/sso/{tenant_id}/acs")
        form = {
            "SAMLResponse": helpers.answer(None, started["id"], "ada@replay.test", sp=sp),
            "RelayState": started["relay_state"],
        }

        first = browser.post(
            f"{b}/sso/{tenant_id}/acs", data=form, allow_redirects=False, timeout=30
        )
        assert first.status_code == 303, first.text[-1500:]
        assert browser.get(f"{a}/api/v1/me", timeout=30).json()["username"] == "ada@replay.test"

        attacker = requests.Session()
        attacker.cookies.update(
            {k: v for k, v in browser.cookies.items() if k.startswith("ssoconsole_sso_")}
        )
        again = attacker.post(
            f"{a}/sso/{tenant_id}/acs", data=form, allow_redirects=False, timeout=30
        )
        assert again.status_code == 400 and "sso.assertion_replayed" in again.text
        assert "ssoconsole_session" not in again.cookies
        assert attacker.get(f"{a}/api/v1/me", timeout=30).status_code == 401
    shutil.rmtree(data_dir, ignore_errors=True)
