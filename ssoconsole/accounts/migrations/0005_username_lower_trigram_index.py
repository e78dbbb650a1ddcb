"""PostgreSQL: a pg_trgm index on ``LOWER(username)``, the expression SCIM's ``userName co/sw/ew`` compare.

Created by ``ssoconsole.accounts.search.ensure_user_search_index`` (which adds
whichever of its indexes is missing); nothing to do on SQLite, where the FTS
table of 0004 serves those filters. Like 0004, it takes a while on a big table.
"""

from django.db import migrations


def create(apps, schema_editor):
    from ssoconsole.accounts.search import ensure_user_search_index

    ensure_user_search_index(schema_editor.connection.alias)


def drop(apps, schema_editor):
    from ssoconsole.accounts.search import PG_INDEXES

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {PG_INDEXES['username_lower']}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_user_search_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
