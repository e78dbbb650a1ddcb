"""PreparedInsert: the sign-in's rows written with an INSERT compiled once, as objects.create() writes them."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from ssoconsole.audit.models import AuditEvent
from ssoconsole.core.clock import now
from ssoconsole.core.prepared_insert import PreparedInsert
from ssoconsole.sso.signin_models import ConsumedAssertion
from ssoconsole.tenancy.services import create_tenant

pytestmark = pytest.mark.django_db

FIELDS = ("tenant_id", "actor_label", "action", "outcome", "target_type", "data", "ip_address")


def _event(tenant, label: str) -> AuditEvent:
    return AuditEvent(
        tenant=tenant,
        actor_label=label,
        action="auth.signin",
        outcome="success",
        target_type="user",
        data={"method": "saml", "nested": {"ünïcode": [1, 2.5, None]}},
        ip_address="192.0.2.7",
    )


def test_a_prepared_insert_stores_what_objects_create_stores():
    tenant = create_tenant("Prepared")
    insert = PreparedInsert(AuditEvent)
    by_orm = AuditEvent.objects.create(**{f: getattr(_event(tenant, "orm"), f) for f in FIELDS})
    first = insert(_event(tenant, "first"))  # prepares
    second = insert(_event(tenant, "second"))  # reuses the SQL
    for event in (first, second):
        assert not event._state.adding and event._state.db == "default"
        stored = AuditEvent.objects.get(pk=event.pk)
        for field in FIELDS:
            if field != "actor_label":
                assert getattr(stored, field) == getattr(by_orm, field), field
        assert stored.created_at is not None and stored.created_at == event.created_at


def test_a_prepared_insert_runs_one_statement_and_raises_integrity_errors_as_the_orm_does():
    tenant = create_tenant("Replay")
    insert = PreparedInsert(ConsumedAssertion)

    def row():
        moment = now()
        return ConsumedAssertion(
            issuer="https://idp.example/",
            assertion_id="_a1",
            tenant=tenant,
            consumed_at=moment,
            expires_at=moment,
        )

    insert(row())
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(IntegrityError), transaction.atomic():
            insert(row())
    assert [q["sql"].split()[0] for q in queries.captured_queries].count("INSERT") == 1
    assert ConsumedAssertion.objects.filter(assertion_id="_a1").count() == 1


def test_an_automatic_key_comes_back_from_the_database():
    insert = PreparedInsert(ContentType)
    first = insert(ContentType(app_label="prepared", model="first"))
    second = insert(ContentType(app_label="prepared", model="second"))
    assert isinstance(first.pk, int) and second.pk > first.pk
    assert ContentType.objects.get(pk=second.pk).model == "second"


def test_save_receivers_get_what_objects_create_gives_them():
    tenant = create_tenant("Signals")
    calls: dict[str, list[dict]] = {"create": [], "prepared": []}
    into = "create"

    def receiver(signal, sender, **kwargs):
        calls[into].append(
            {
                "signal": signal,
                "sender": sender,
                **{k: v for k, v in kwargs.items() if k != "instance"},
            }
        )

    for signal in (pre_save, post_save):
        signal.connect(receiver, sender=AuditEvent, weak=False)
    try:
        _event(tenant, "by create").save(force_insert=True)
        into = "prepared"
        PreparedInsert(AuditEvent)(_event(tenant, "prepared"))
    finally:
        for signal in (pre_save, post_save):
            signal.disconnect(receiver, sender=AuditEvent)
    assert calls["prepared"] == calls["create"]
    assert [c["signal"] for c in calls["prepared"]] == [pre_save, post_save]
    assert calls["prepared"][1]["created"] is True


def test_an_instance_of_another_model_is_refused():
    with pytest.raises(TypeError):
        PreparedInsert(AuditEvent)(ContentType(app_label="a", model="b"))
