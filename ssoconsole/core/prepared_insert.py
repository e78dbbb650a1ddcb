"""One model's single-row INSERT compiled to SQL once per process, for the rows every sign-in writes.

Why: ``objects.create()`` and ``save()`` compile the same INSERT on every
call (quoting each column, asking each field for its placeholder, building
the compiler) and send ``pre_save``/``post_save`` through the signal
machinery; a sign-in writes four rows of fixed shape (the outstanding
request, the consumed assertion, the session, the audit event), and that
work was about a tenth of its CPU (docs/performance.md). An
:class:`PreparedInsert` lets Django compile the INSERT once per database
vendor, checks that the SQL takes exactly the values it would compute
itself, and afterwards only converts the row's values.

What keeps it what ``objects.create()`` would have done:

- each field's ``pre_save`` runs (``auto_now_add``, defaults already set on
  the instance) and ``get_db_prep_save`` converts its value, as Django does;
- at preparation the compiled parameters must equal the ones computed here
  for the same row, and every placeholder must be a plain ``%s``, or
  preparation fails loudly (``ImproperlyConfigured``);
- an automatic primary key comes back from the database (``RETURNING``, on
  SQLite 3.35+ and PostgreSQL) and is set on the instance, as ``save()`` does;
- ``pre_save`` and ``post_save`` (``created=True``) go to their receivers
  with the arguments ``save()`` gives them (the metrics count audit events
  that way), and cost nothing when a model has none.
"""

from __future__ import annotations

import threading

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models, router
from django.db.models import signals
from django.db.models.sql import InsertQuery

_AUTO_KEYS = (models.AutoField, models.BigAutoField, models.SmallAutoField)


class PreparedInsert:
    """``insert(instance)`` writes ``instance`` as a new row, like ``instance.save(force_insert=True)``."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        pk = model._meta.pk
        self.returns_key = isinstance(pk, _AUTO_KEYS)
        self.fields = tuple(
            f for f in model._meta.local_concrete_fields if not (self.returns_key and f is pk)
        )
        self._sql: dict[str, str] = {}
        self._lock = threading.Lock()

    def __call__(self, instance: models.Model) -> models.Model:
        model = self.model
        if type(instance) is not model:
            raise TypeError(f"expected a {model.__name__}, got {type(instance).__name__}")
        alias = router.db_for_write(model, instance=instance)
        if signals.pre_save.has_listeners(model):
            signals.pre_save.send(
                sender=model, instance=instance, raw=False, using=alias, update_fields=None
            )
        connection = connections[alias]
        sql = self._sql.get(connection.vendor)
        if sql is None:
            sql, params = self._prepare(instance, alias)
        else:
            params = [
                f.get_db_prep_save(f.pre_save(instance, True), connection) for f in self.fields
            ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if self.returns_key:
                setattr(instance, model._meta.pk.attname, cursor.fetchone()[0])
        instance._state.adding = False
        instance._state.db = alias
        if signals.post_save.has_listeners(model):
            signals.post_save.send(
                sender=model,
                instance=instance,
                created=True,
                update_fields=None,
                raw=False,
                using=alias,
            )
        return instance

    def _prepare(self, instance: models.Model, alias: str) -> tuple[str, list]:
        connection = connections[alias]
        query = InsertQuery(self.model)
        query.insert_values(self.fields, [instance], raw=False)
        compiler = query.get_compiler(using=alias)
        if self.returns_key:
            if not connection.features.can_return_columns_from_insert:
                raise ImproperlyConfigured(
                    f"{self.model.__name__}: {connection.vendor} cannot return the new key"
                )
            compiler.returning_fields = [self.model._meta.pk]
        compiled = compiler.as_sql()  # runs each field's pre_save
        if len(compiled) != 1:
            raise ImproperlyConfigured(f"{self.model.__name__}: the INSERT is not one statement")
        sql, django_params = compiled[0]
        params = [f.get_db_prep_save(getattr(instance, f.attname), connection) for f in self.fields]
        placeholders = sql.rsplit("VALUES", 1)[-1]
        if (
            len(django_params) != len(params)
            or not all(map(_same_value, django_params, params))
            or placeholders.count("%s") != len(params)
        ):
            raise ImproperlyConfigured(
                f"{self.model.__name__}: Django's INSERT takes other values than a prepared insert"
            )
        with self._lock:
            self._sql[connection.vendor] = sql
        return sql, params


def _same_value(django: object, ours: object) -> bool:
    """Equal values; adapters without equality (psycopg's ``Jsonb``) compare by what they wrap."""
    if django == ours:
        return True
    return type(django) is type(ours) and hasattr(ours, "obj") and django.obj == ours.obj
