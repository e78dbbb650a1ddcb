"""Each tenant's count of SCIM users (scim.counts), filled from the existing rows.

Reversing drops the table; the fill has nothing to undo.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count


def fill(apps, schema_editor):
    ScimUser = apps.get_model("scim", "ScimUser")
    ScimUserCount = apps.get_model("scim", "ScimUserCount")
    alias = schema_editor.connection.alias
    rows = (
        ScimUser.objects.using(alias)
        .filter(deleted_at__isnull=True)
        .order_by()
        .values("tenant_id")
        .annotate(live=Count("id"))
    )
    ScimUserCount.objects.using(alias).bulk_create(
        [ScimUserCount(tenant_id=r["tenant_id"], live=r["live"]) for r in rows], batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("scim", "0003_email_search_index"),
        ("tenancy", "0003_org_subtree_size"),
    ]

    operations = [
        migrations.CreateModel(
            name="ScimUserCount",
            fields=[
                (
                    "tenant",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="tenancy.tenant",
                    ),
                ),
                ("live", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
