"""Querysets of a fixed shape compiled to SQL once per process, for the sign-in's hottest lookups.

Why: a sign-in runs the same handful of lookups with different values every
time, and Django compiles each queryset to SQL anew on every call: the
select list, the joins of ``select_related``, quoting every column, the
converters. On the sign-in path that compilation cost more CPU than the
database and the SAML validation together (``benchmarks/signin_profile.py``,
``docs/performance.md``). A :class:`PreparedQuery` builds its queryset once
per database connection vendor with stand-in values, keeps the SQL text and
Django's compiled description of the result columns, and afterwards only
swaps the parameters and turns the rows into model instances the way
``QuerySet.__iter__`` does (``select_related`` objects and annotations
included).

What keeps it correct:

- The queryset is still written with the ORM, once, by the caller's
  ``build`` function; the SQL is Django's own, for the database in use.
- Each argument must reach the SQL as a parameter: preparation builds the
  queryset with unique stand-ins and fails loudly (``ImproperlyConfigured``)
  unless every stand-in is found among the parameters. A value the ORM
  would transform or inline (a model instance, a float) is refused by
  type, so a caller passes ids, strings and datetimes only.
- Parameters are matched by position, so a tenant id that is in the WHERE
  clause stays in it: tenant isolation is whatever the ORM queryset says.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import uuid
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models, router
from django.db.models.query import get_related_populators
from django.db.models.sql import UpdateQuery

_UUID_FIELD = models.UUIDField()
_DATETIME_FIELD = models.DateTimeField()


def _stand_in(kind: type):
    """A value of ``kind`` that no constant of a real query can equal."""
    if kind is str:
        return f"\x00prepared-{secrets.token_hex(12)}"
    if kind is int:
        return secrets.randbelow(2**62) + 2**61
    if kind is uuid.UUID:
        return uuid.uuid4()
    if kind is dt.datetime:
        return dt.datetime(2000, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
            microseconds=secrets.randbelow(10**15)
        )
    raise ImproperlyConfigured(
        f"PreparedQuery arguments are str, int, UUID or datetime, not {kind.__name__}"
    )


def _db_value(value, connection):
    """``value`` as the ORM passes it to ``connection`` (a UUID is a hex string on SQLite)."""
    if isinstance(value, uuid.UUID):
        return _UUID_FIELD.get_db_prep_value(value, connection)
    if isinstance(value, dt.datetime):
        return _DATETIME_FIELD.get_db_prep_value(value, connection)
    return value


class _Compiled:
    """One vendor's SQL, the argument slots in its parameters, and the compiler that read the rows."""

    def __init__(self, compiler, sql: str, params: tuple, slots: list[tuple[int, int]]):
        self.compiler = compiler
        self.sql = sql
        self.params = list(params)
        self.slots = slots  # (position in params, argument index)
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model_slice = slice(start, end)
        self.init_list = [f[0].target.attname for f in compiler.select[start:end]]
        self.annotations = list(compiler.annotation_col_map.items())
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        self.converters = compiler.get_converters(fields)
        # Stateless between rows: built once, like the SQL.
        self.populators = get_related_populators(klass_info, compiler.select, compiler.using)


def _argument_slots(stand_ins: list, params, connection, what: str) -> list[tuple[int, int]]:
    """Where each stand-in landed among Django's parameters: ``(position, argument index)``."""
    wanted = {repr(_db_value(v, connection)): i for i, v in enumerate(stand_ins)}
    slots = [(pos, wanted[repr(p)]) for pos, p in enumerate(params) if repr(p) in wanted]
    missing = set(range(len(stand_ins))) - {arg for _, arg in slots}
    if missing:
        raise ImproperlyConfigured(
            f"{what}: arguments {sorted(missing)} do not reach the SQL as parameters."
        )
    return slots


class _Prepared:
    """What the prepared statements share: typed arguments, one compilation per alias and vendor."""

    def __init__(self, model: type[models.Model], build: Callable, *kinds: type):
        self._model = model
        self._build = build
        self._kinds = kinds
        self._compiled: dict[str, object] = {}
        self._lock = threading.Lock()

    def _prepare(self, alias: str):
        raise NotImplementedError

    def _compiled_for(self, args: tuple, alias: str):
        """Check ``args`` against the kinds; return the statement compiled for ``alias``."""
        for value, kind in zip(args, self._kinds, strict=True):
            if not isinstance(value, kind):
                raise TypeError(
                    f"{type(self).__name__} argument {value!r} is not a {kind.__name__}"
                )
        key = f"{alias}:{connections[alias].vendor}"
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._prepare(alias)
                self._compiled[key] = compiled
        return compiled


def _with_arguments(params: list, slots, args: tuple, connection) -> list:
    params = list(params)
    for pos, arg in slots:
        params[pos] = _db_value(args[arg], connection)
    return params


class PreparedQuery(_Prepared):
    """``build(*args)`` -> queryset, compiled once; calling it returns the rows as model instances.

    ``model`` is the queryset's model (for the database router). ``kinds``
    names each argument's type (str, int, UUID or datetime). Use it only for
    querysets whose SQL does not depend on the values (no ``__in`` of a
    varying list, no ``None`` that becomes ``IS NULL``).
    """

    def _prepare(self, alias: str) -> _Compiled:
        connection = connections[alias]
        stand_ins = [_stand_in(kind) for kind in self._kinds]
        queryset = self._build(*stand_ins)
        if queryset._known_related_objects or queryset._prefetch_related_lookups:
            raise ImproperlyConfigured("PreparedQuery takes a plain queryset (no prefetch).")
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = _argument_slots(stand_ins, params, connection, "PreparedQuery")
        return _Compiled(compiler, sql, params, slots)

    def __call__(self, *args) -> list:
        alias = router.db_for_read(self._model)
        compiled = self._compiled_for(args, alias)
        connection = connections[alias]
        params = _with_arguments(compiled.params, compiled.slots, args, connection)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = _apply_converters(rows, compiled.converters, connection)
        return _instances(compiled, rows, alias)


def _apply_converters(rows, converters, connection):
    """Django's ``SQLCompiler.apply_converters`` with the calling thread's connection."""
    converters = list(converters.items())
    for row in map(list, rows):
        for pos, (convs, expression) in converters:
            value = row[pos]
            for converter in convs:
                value = converter(value, expression, connection)
            row[pos] = value
        yield row


def _instances(compiled: _Compiled, rows, alias: str) -> list:
    """The rows as model instances, as ``ModelIterable`` builds them."""
    populators = compiled.populators
    out = []
    for row in rows:
        obj = compiled.model.from_db(alias, compiled.init_list, row[compiled.model_slice])
        for populator in populators:
            populator.populate(row, obj)
        for name, pos in compiled.annotations:
            setattr(obj, name, row[pos])
        out.append(obj)
    return out


class PreparedUpdate(_Prepared):
    """``build(*args)`` -> ``(queryset, {field: value})``, compiled once; a call runs the UPDATE.

    The same rules as :class:`PreparedQuery` (each argument reaches the SQL
    as a parameter, or preparation fails), for the sign-in's two UPDATEs of
    fixed shape: the started sign-in marked used, the user's last sign-in
    time. Returns the number of rows changed, as ``QuerySet.update``.
    """

    def _prepare(self, alias: str) -> tuple[str, list, list[tuple[int, int]]]:
        connection = connections[alias]
        stand_ins = [_stand_in(kind) for kind in self._kinds]
        queryset, values = self._build(*stand_ins)
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(values)
        if query.related_updates:
            raise ImproperlyConfigured("PreparedUpdate updates one table (no inherited fields).")
        sql, params = query.get_compiler(using=alias).as_sql()
        return sql, list(params), _argument_slots(stand_ins, params, connection, "PreparedUpdate")

    def __call__(self, *args) -> int:
        alias = router.db_for_write(self._model)
        sql, params, slots = self._compiled_for(args, alias)
        params = _with_arguments(params, slots, args, connections[alias])
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount
