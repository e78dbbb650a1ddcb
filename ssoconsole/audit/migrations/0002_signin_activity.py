"""The provider column of sign-in events and the two indexes the sign-in activity chart reads.

Existing events get their provider from ``data["providerId"]``, in batches,
so that a large audit log is not loaded at once.
"""

import uuid

from django.db import migrations, models

BATCH = 2000


def copy_provider_ids(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    events = (
        AuditEvent.objects.filter(data__has_key="providerId")
        .order_by()
        .values_list("id", "data__providerId")
        .iterator(chunk_size=BATCH)
    )
    batch = []
    for event_id, value in events:
        try:
            provider_id = uuid.UUID(str(value))
        except ValueError:
            continue
        batch.append(AuditEvent(id=event_id, provider_id=provider_id))
        if len(batch) >= BATCH:
            AuditEvent.objects.bulk_update(batch, ["provider_id"])
            batch = []
    if batch:
        AuditEvent.objects.bulk_update(batch, ["provider_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="provider_id",
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.RunPython(copy_provider_ids, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["tenant", "action", "created_at", "outcome", "reason_code"],
                name="audit_signin_activity_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("provider_id__isnull", False)),
                fields=["tenant", "provider_id", "action", "created_at", "outcome", "reason_code"],
                name="audit_provider_activity_idx",
            ),
        ),
    ]
