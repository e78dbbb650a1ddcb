from typing import ClassVar

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies: ClassVar[list] = []
    operations: ClassVar[list] = [
        migrations.CreateModel(
            name="ConsumedAssertion",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("assertion_id", models.CharField(max_length=256, unique=True)),
                ("expires_at", models.DateTimeField(db_index=True)),
            ],
        )
    ]
