"""``ssoconsole create-scim-token``, run as a user runs it (a subprocess on its own data directory)."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest

from tests.cli.test_commands import last_word, run


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("scim-cli")
    assert run(data_dir, "migrate").returncode == 0
    return data_dir


def test_create_scim_token_prints_a_working_token_as_the_last_word(migrated):
    tenant_id = last_word(run(migrated, "create-tenant", "--name", "SCIM CLI").stdout)
    result = run(migrated, "create-scim-token", "--tenant", tenant_id, "--name", "Entra ID")
    assert result.returncode == 0, result.stderr
    token = last_word(result.stdout)
    assert token.startswith("scim_") and f"/scim/v2/{tenant_id}" in result.stdout
    with sqlite3.connect(migrated / "ssoconsole.sqlite3") as db:
        stored = db.execute("SELECT name, token_hash FROM scim_scimtoken").fetchall()
        audited = db.execute(
            "SELECT actor_label, data FROM audit_auditevent WHERE action = 'scim_token.created'"
        ).fetchall()
    assert stored[0][0] == "Entra ID" and token not in stored[0][1]
    assert audited[0][0] == "cli" and json.loads(audited[0][1])["prefix"] == token[:12]


@pytest.mark.parametrize("tenant", ["not-a-uuid", str(uuid.uuid4())])
def test_create_scim_token_for_an_unknown_tenant_fails_with_a_next_step(migrated, tenant):
    result = run(migrated, "create-scim-token", "--tenant", tenant)
    assert result.returncode == 1
    assert "No tenant" in result.stderr and "create-tenant" in result.stderr
    assert "Traceback" not in result.stderr
