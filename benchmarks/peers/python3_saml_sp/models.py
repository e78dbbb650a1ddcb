"""The peer's replay cache: one row per accepted assertion, unique on its ID."""

from django.db import models


class ConsumedAssertion(models.Model):
    assertion_id = models.CharField(max_length=256, unique=True)
    expires_at = models.DateTimeField(db_index=True)
