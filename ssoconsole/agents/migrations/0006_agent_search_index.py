"""The substring index behind the Agents search (``ssoconsole.agents.search``).

SQLite: an FTS5 trigram table on device name and platform, kept by triggers
(through a key table: agents have UUID keys), filled from the existing rows.
PostgreSQL: a pg_trgm GIN index on ``UPPER(name || ' ' || platform)`` (the
extension comes from accounts.0004; without it nothing is created and the
search scans, as before).
"""

from django.db import migrations


def create(apps, schema_editor):
    from ssoconsole.agents.search import AGENT_INDEX

    AGENT_INDEX.ensure(schema_editor.connection.alias)


def drop(apps, schema_editor):
    from ssoconsole.agents.search import AGENT_INDEX

    AGENT_INDEX.drop(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0005_active_agents_by_created"),
        ("accounts", "0005_username_lower_trigram_index"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
