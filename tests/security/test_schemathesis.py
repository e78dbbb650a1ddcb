"""Schemathesis against ``/api/v1/openapi.json`` of a live ``ssoconsole serve``, with a token of each role.

For every operation of the OpenAPI document, schemathesis generates valid
and invalid requests (bounded by :data:`SECONDS_PER_ROLE` and
:data:`EXAMPLES`) and checks that the server never answers 5xx and that every
documented response matches its schema. A second tenant's rows are
fingerprinted before and after: whatever the generated requests did in the
first tenant, nothing in the second may change.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from pathlib import Path

from console_process import CLI, free_port, serve

SCHEMATHESIS = str(Path(CLI).with_name("schemathesis"))
SECONDS_PER_ROLE = 20
EXAMPLES = 15
ROLES = ("identity-admin", "org-admin", "user")
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def _cli(env, *args) -> str:
    done = subprocess.run(
        [CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"ssoconsole {' '.join(args)}: {done.stderr[-2000:]}"
    return done.stdout.strip().splitlines()[-1].split()[-1]


def _fingerprint(database: Path, tenant_id: str) -> str:
    """A digest of every row that belongs to ``tenant_id``, in every table with a tenant column."""
    digest = hashlib.sha256()
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in sorted(tables):
            columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
            key = (
                "tenant_id"
                if "tenant_id" in columns
                else ("id" if table == "tenancy_tenant" else None)
            )
            if key is None:
                continue
            rows = db.execute(
                f'SELECT * FROM "{table}" WHERE {key} = ? ORDER BY 1', (tenant_id.replace("-", ""),)
            ).fetchall()
            digest.update(f"{table}:{rows!r}".encode())
    return digest.hexdigest()


def test_the_api_holds_its_schema_and_never_fails_for_any_role(tmp_path, loopback_dns_server):
    data_dir = tmp_path / "var"
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(SSOCONSOLE_DATA_DIR=str(data_dir), SSOCONSOLE_BASE_URL=f"http://127.0.0.1:{port}")
    # Domain verifications the fuzzer triggers ask the run's loopback DNS server, never the
    # machine's resolver: no test sends traffic off this machine.
    host, dns_port = loopback_dns_server.nameservers[0]
    env["SSOCONSOLE_DNS_NAMESERVERS"] = f"{host}:{dns_port}"
    # Schemathesis' requests come from one address: lift the per-address throttles for this run.
    _cli(env, "migrate")
    tenant = _cli(env, "create-tenant", "--name", "Fuzzed")
    other = _cli(env, "create-tenant", "--name", "Bystander")
    tokens = {}
    for role in ROLES:
        _cli(
            env,
            "create-user",
            "--tenant",
            tenant,
            "--username",
            f"{role}@fuzzed.test",
            "--role",
            role,
        )
        tokens[role] = _cli(env, "create-api-token", "--username", f"{role}@fuzzed.test")
    _cli(
        env,
        "create-user",
        "--tenant",
        other,
        "--username",
        "admin@bystander.test",
        "--role",
        "org-admin",
    )
    _cli(
        env,
        "create-user",
        "--tenant",
        other,
        "--username",
        "ida@bystander.test",
        "--role",
        "identity-admin",
    )
    database = data_dir / "ssoconsole.sqlite3"
    before = _fingerprint(database, other)

    failures = []
    with serve(env, port, tmp_path / "serve.log", workers=2) as url:
        for role in ROLES:
            done = subprocess.run(
                [
                    SCHEMATHESIS,
                    "run",
                    f"{url}/api/v1/openapi.json",
                    "--header",
                    f"Authorization: Bearer {tokens[role]}",
                    "--checks",
                    CHECKS,
                    "--max-examples",
                    str(EXAMPLES),
                    "--max-time",
                    str(SECONDS_PER_ROLE),
                    "--request-timeout",
                    "20",
                    "--seed",
                    "12",
                    "--generation-deterministic",
                    "--no-color",
                    "--report-dir",
                    str(tmp_path / f"report-{role}"),
                ],
                capture_output=True,
                text=True,
                timeout=SECONDS_PER_ROLE * 4 + 120,
                check=False,
                env={**env, "SCHEMATHESIS_HOOKS": ""},
                cwd=tmp_path,  # schemathesis keeps its crash cache in the working directory
            )
            if done.returncode != 0:
                report = done.stdout.split("FAILURES", 1)[-1].split("SUMMARY", 1)[0]
                failures.append(f"--- {role} ---\n{report[-8000:]}\n{done.stderr[-2000:]}")
    assert not failures, "\n".join(failures)
    assert _fingerprint(database, other) == before, "a request changed another tenant's data"
