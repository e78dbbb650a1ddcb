"""All or nothing for a service that changes a model instance it was given.

A service that validates while it assigns (``org.name = ...``, then a unique
constraint refuses the save) would otherwise hand a half-changed object back
to its caller, and every web layer would have to undo it. Services wrap their
change in :func:`unchanged_on_error` instead: the database work is atomic and,
when anything raises, the instances get back the field values they had.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models, transaction


@contextmanager
def unchanged_on_error(*instances: models.Model) -> Iterator[None]:
    """Run the block in a transaction; if it raises, restore each instance's fields and relations."""
    saved = [
        (
            obj,
            {f.attname: copy.deepcopy(getattr(obj, f.attname)) for f in obj._meta.concrete_fields},
            dict(obj._state.fields_cache),
        )
        for obj in instances
    ]
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for obj, values, relations in saved:
            for name, value in values.items():
                setattr(obj, name, value)
            obj._state.fields_cache = relations
        raise


def unchanged_on_error_of_first_argument(service):
    """Decorate a service whose first argument is the instance it changes (see the module docstring)."""

    @functools.wraps(service)
    def wrapper(instance, *args, **kwargs):
        with unchanged_on_error(instance):
            return service(instance, *args, **kwargs)

    return wrapper
