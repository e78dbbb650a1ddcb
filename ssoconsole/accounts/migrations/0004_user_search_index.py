"""The index behind user search (``?q=``): pg_trgm GIN indexes on PostgreSQL, FTS5 trigram on SQLite.

Vendor-specific, so not in the model's ``Meta``: see ``ssoconsole.accounts.search``.
On a big table this takes a while (about a minute per million users).
"""

from django.db import migrations


def create(apps, schema_editor):
    from ssoconsole.accounts.search import ensure_user_search_index

    ensure_user_search_index(schema_editor.connection.alias)


def drop(apps, schema_editor):
    from ssoconsole.accounts.search import drop_user_search_index

    drop_user_search_index(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_tenant_username_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
