"""The substring index behind ``emails co/sw/ew`` filters (``ssoconsole.scim.email_search``).

SQLite: an FTS5 trigram table kept by triggers, filled from the existing rows.
PostgreSQL: a pg_trgm GIN index on ``scim_scimemail.value`` (the extension
comes from accounts.0004; without it nothing is created and the filter scans).
"""

from django.db import migrations


def create(apps, schema_editor):
    from ssoconsole.scim.email_search import EMAIL_INDEX

    EMAIL_INDEX.ensure(schema_editor.connection.alias)


def drop(apps, schema_editor):
    from ssoconsole.scim.email_search import EMAIL_INDEX

    EMAIL_INDEX.drop(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("scim", "0002_list_order_indexes"),
        ("accounts", "0005_username_lower_trigram_index"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
