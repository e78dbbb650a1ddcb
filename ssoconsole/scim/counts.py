"""The exact number of a tenant's SCIM users, kept in a row rather than counted at each list.

``totalResults`` of an unfiltered ``GET /Users`` (RFC 7644 3.4.2 requires it)
would otherwise count every SCIM user of the tenant: an index walk of 1,000,000
entries is 56 ms on SQLite before anything else, and PostgreSQL's index-only
count still visits the heap of rows the visibility map does not cover. So
:class:`~ssoconsole.scim.models.ScimUserCount` holds the count, changed in the
same transaction as each change of it:

- ``scim.users.create`` (a new SCIM user, or a deleted one linked again): +1;
- ``scim.users.delete`` (``deleted_at`` set): -1;
- a live SCIM user's row deleted by the ORM (its console user deleted): -1,
  through the ``post_delete`` signal below. (A tenant cannot be deleted: its
  organizations protect it; the count row would go with it.)

The update is ``live = live + delta`` on one row, taken last in the
transaction (so the row lock, which orders a tenant's concurrent creates on
PostgreSQL, is held only until the commit, and never before another lock).
Rows written around the ORM (bulk inserts of benchmarks and tests) call
:func:`recount`.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.signals import post_delete
from django.dispatch import receiver

from ssoconsole.scim.models import ScimUser, ScimUserCount


def adjust(tenant_id, delta: int) -> None:
    """Add ``delta`` to the tenant's count (call inside the transaction that made the change)."""
    if ScimUserCount.objects.filter(tenant_id=tenant_id).update(live=F("live") + delta):
        return
    try:
        with transaction.atomic():  # a savepoint: a concurrent first insert may win
            ScimUserCount.objects.create(tenant_id=tenant_id, live=delta)
    except IntegrityError:
        ScimUserCount.objects.filter(tenant_id=tenant_id).update(live=F("live") + delta)


def live_count(tenant) -> int:
    """The tenant's SCIM users not deleted through SCIM (what the plain count returns)."""
    found = ScimUserCount.objects.filter(tenant_id=tenant.id).values_list("live", flat=True)
    return next(iter(found), 0)


def recount(tenant) -> int:
    """Set the count from the rows (after inserts that went around :func:`adjust`); return it."""
    live = ScimUser.objects.filter(tenant_id=tenant.id, deleted_at__isnull=True).count()
    ScimUserCount.objects.update_or_create(tenant_id=tenant.id, defaults={"live": live})
    return live


@receiver(post_delete, sender=ScimUser, dispatch_uid="scim-user-count")
def _row_deleted(sender, instance: ScimUser, **kwargs) -> None:
    if instance.deleted_at is None:  # else already taken off when it was deleted through SCIM
        adjust(instance.tenant_id, -1)
