"""The Agents search finds what the plain condition finds, through indexes instead of every agent.

The condition (device name, platform, the user's username and names, the
user's organization's name, any case) still decides; ``agents.search`` adds
the candidates the indexes find. Checked against the plain condition on
both databases, and the plans read with ``EXPLAIN``.
"""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from ssoconsole.agents import search, services
from ssoconsole.agents.models import Agent
from ssoconsole.core import trigram

from .helpers import make_agent

pytestmark = pytest.mark.django_db


def _plain(tenant, text) -> list[str]:
    """The condition alone, reading every agent of the tenant: the reference."""
    rows = Agent.objects.filter(tenant=tenant, revoked_at__isnull=True).filter(
        Q(name__icontains=text)
        | Q(platform__icontains=text)
        | Q(user__username__icontains=text)
        | Q(user__first_name__icontains=text)
        | Q(user__last_name__icontains=text)
        | Q(user__org__name__icontains=text)
    )
    return sorted(rows.values_list("name", flat=True))


def _found(tenant, text) -> list[str]:
    return sorted(a.name for a in services.agents_of_tenant(tenant, search=text))


def _ensure(index) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # CREATE INDEX refuses pending deferred checks
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return index.ensure()


@pytest.fixture
def fleet(tenant, make_user, make_org):
    finance = make_org("Finance Ωmega")
    grace = make_user("grace.hopper@navy.example", first_name="Grace", last_name="Hopper")
    ada = make_user("ada@engines.example", first_name="Ada", last_name="Lovelace", org=finance)
    alan = make_user("alan@bletchley.example", first_name="Alan", last_name="Turing")
    make_agent(grace, device_name="DESKTOP-7F3K2QL", platform="Windows 11")
    make_agent(grace, device_name="Grace's MacBook", platform="macOS 14")
    make_agent(ada, device_name="ENGINE-01", platform="Ubuntu 24.04")
    make_agent(alan, device_name='Build "box" 100%', platform="Linux")
    return tenant


@pytest.mark.parametrize(
    "text",
    [
        "desktop-7f",  # device name, other case
        "MACOS",  # platform
        "hopper",  # last name
        "grace",  # device name and first name
        "engines.exam",  # username
        "finance ω",  # org name, Greek
        "ΩMEGA",
        '"box" 100%',  # quotes, %
        "_",  # shorter than a trigram: the plain condition
        "nobody",
    ],
)
def test_the_agent_search_finds_what_the_plain_condition_finds(fleet, text):
    assert _found(fleet, text) == _plain(fleet, text)


def test_another_tenants_agents_are_not_found(fleet, make_user, other_tenant):
    other = make_user("grace@other.example", tenant=other_tenant)
    make_agent(other, device_name="DESKTOP-7F3K2QL-OTHER")
    assert _found(fleet, "desktop-7f") == ["DESKTOP-7F3K2QL"]


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # On a handful of rows PostgreSQL prefers reading them all; without plain scans the
            # plan shows which index serves each condition.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_the_agent_search_is_served_by_the_indexes(fleet):
    """The candidates come from the indexes, each read once; the page reads those agents by id."""
    with CaptureQueriesContext(connection) as captured:
        ids = search.agent_candidates(fleet, "lovelace")
    assert len(ids) == 1
    plan = "\n".join(_explain(q["sql"]) for q in captured.captured_queries)
    assert search.AGENT_INDEX.name in plan, plan
    user_index = "accounts_user_search_trgm" if connection.vendor == "postgresql" else "VIRTUAL"
    assert user_index in plan and "accounts_user_org_id" in plan, plan
    page = services.agents_of_tenant(fleet, search="lovelace")
    plan = page.explain()
    if connection.vendor == "sqlite":
        # The candidates drive: the tenant's agents are not walked.
        assert "agents_active_newest" not in plan and "SCAN agents_agent" not in plan, plan


def test_the_agents_list_is_read_in_order_from_its_index(fleet):
    plan = services.agents_of_tenant(fleet).explain()
    if connection.vendor == "sqlite":
        assert "agents_active_newest" in plan and "TEMP B-TREE" not in plan, plan


def test_the_agents_list_is_counted_from_its_index_alone(fleet):
    """The console counts up to 10,001 agents: from the index, without reading each agent."""
    plan = services.agents_of_tenant(fleet).values("id")[:10_001].explain()
    if connection.vendor == "sqlite":
        assert "COVERING INDEX agents_active_newest" in plan, plan


def test_a_search_matching_very_many_agents_uses_the_plain_condition(fleet, monkeypatch):
    monkeypatch.setattr(trigram, "CANDIDATES_MAX", 0)  # any candidate is one too many
    assert search.agent_candidates(fleet, "grace") is None
    assert _found(fleet, "grace") == _plain(fleet, "grace")


def test_the_agent_index_follows_renames_and_revocations(fleet):
    agent = Agent.objects.get(name="ENGINE-01")
    Agent.objects.filter(id=agent.id).update(name="Analytical Engine", platform="Plan 9")
    assert _found(fleet, "engine-01") == []
    assert _found(fleet, "analytical") == ["Analytical Engine"]
    assert _found(fleet, "plan 9") == ["Analytical Engine"]
    Agent.objects.filter(id=agent.id).delete()
    assert _found(fleet, "analytical") == []


def test_the_agent_index_migration_indexes_existing_agents_and_reverses(fleet):
    migration = importlib.import_module("ssoconsole.agents.migrations.0006_agent_search_index")

    class Editor:
        connection = connection

    migration.drop(None, Editor())
    assert _found(fleet, "desktop-7f") == ["DESKTOP-7F3K2QL"]  # without the index: the scan
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    migration.create(None, Editor())
    assert _ensure(search.AGENT_INDEX).endswith("in place")
    if connection.vendor == "sqlite":
        assert search.agent_candidates(fleet, "desktop-7f") is not None
    assert _found(fleet, "desktop-7f") == ["DESKTOP-7F3K2QL"]
