"""The audit log page: filters, pagination and readable before/after data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ssoconsole.audit.log import record
from ssoconsole.audit.models import AuditEvent, Outcome
from ssoconsole.console.audit_format import readable
from ssoconsole.tenancy import services as tenancy

pytestmark = pytest.mark.django_db


def events(response) -> list[AuditEvent]:
    return [event for event, _ in response.context["rows"]]


def test_filter_by_actor_action_outcome_and_dates(world, acme_admin):
    actor = world.users["org-admin"]
    tenancy.rename_org(world.child, "R&D", actor=actor)
    record(
        "auth.signin",
        tenant=world.tenant,
        actor_label="mallory",
        outcome=Outcome.FAILURE,
        reason_code="password_wrong",
    )
    old = record("org.created", tenant=world.tenant, actor_label="cli")
    AuditEvent.objects.filter(id=old.id).update(created_at=timezone.now() - timedelta(days=40))
    url = reverse("console:audit")

    assert [e.action for e in events(acme_admin.get(url + "?actor=ORG-ADMIN"))] == ["org.renamed"]
    assert [e.actor_label for e in events(acme_admin.get(url + "?action=auth.signin"))] == [
        "mallory"
    ]
    failure = acme_admin.get(url + "?outcome=failure")
    assert [e.reason_code for e in events(failure)] == ["password_wrong"]
    assert "password_wrong" in failure.content.decode()
    today = timezone.now().date()
    recent = events(acme_admin.get(url + f"?since={today - timedelta(days=1)}&until={today}"))
    assert old.id not in {e.id for e in recent} and len(recent) > 1
    ancient = events(acme_admin.get(url + f"?until={today - timedelta(days=30)}"))
    assert [e.id for e in ancient] == [old.id]


def test_action_filter_offers_recorded_actions(world, acme_admin):
    form = acme_admin.get(reverse("console:audit")).context["form"]
    actions = [value for value, _ in form.fields["action"].choices]
    assert "" in actions and "user.created" in actions and "org.created" in actions
    assert len(actions) == len(set(actions))


def test_bad_filter_values_show_field_errors(world, acme_admin):
    response = acme_admin.get(
        reverse("console:audit") + "?since=yesterday&until=2020-01-01&action=no.such"
    )
    errors = response.context["form"].errors
    assert "since" in errors and "action" in errors
    assert response.status_code == 200 and 'class="field-error"' in response.content.decode()
    reversed_range = acme_admin.get(reverse("console:audit") + "?since=2024-02-01&until=2024-01-01")
    assert "before the start date" in reversed_range.context["form"].errors["until"][0]


def test_pagination(world, acme_admin):
    for i in range(60):
        record("test.event", tenant=world.tenant, actor_label=f"bot{i}")
    first = acme_admin.get(reverse("console:audit") + "?action=test.event")
    assert len(first.context["rows"]) == 50 and first.context["page"].paginator.num_pages == 2
    assert "action=test.event&amp;page=2" in first.content.decode()
    assert (
        len(acme_admin.get(reverse("console:audit") + "?action=test.event&page=2").context["rows"])
        == 10
    )


def test_before_after_shown_readably_with_org_names(world, acme_admin):
    tenancy.move_org(world.grandchild, world.top.id, actor=world.users["org-admin"])
    body = acme_admin.get(reverse("console:audit") + "?action=org.moved").content.decode()
    assert "parentId" in body and "Engineering (" in body and "acme (" in body
    assert "1 change" in body


def test_readable_splits_changes_and_facts():
    info = readable(
        {
            "before": {"active": True, "roles": ["user"]},
            "after": {"active": False, "roles": []},
            "code": "x",
            "nested": {"a": 1},
        },
    )
    assert [(c.field, c.before, c.after) for c in info.changes] == [
        ("active", "yes", "no"),
        ("roles", "user", "(empty)"),
    ]
    assert info.facts == [("code", "x"), ("nested", '{"a": 1}')]
    assert readable({}).empty and readable(None).empty
    assert readable({"after": {"parentId": None}}).changes[0].before is None


def test_targets_link_to_their_pages(world, acme_admin):
    tenancy.rename_org(world.child, "R&D", actor=world.users["org-admin"])
    body = acme_admin.get(reverse("console:audit") + "?action=org.renamed").content.decode()
    assert f'href="{reverse("console:org_detail", args=[world.child.id])}"' in body
    body = acme_admin.get(reverse("console:audit") + "?action=user.created").content.decode()
    assert f'href="{reverse("console:user_detail", args=[world.target.id])}"' in body
