"""Sign-in activity at a glance on the dashboard and a provider's page, and the audit log it links to."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from django.urls import reverse

from ssoconsole.audit.log import record
from ssoconsole.audit.models import AuditEvent, Outcome
from ssoconsole.audit.signin_activity import summarize
from ssoconsole.console.activity_chart import build, nice_ceiling
from ssoconsole.core import clock

from .conftest import add_provider


def signin(world, *, days_ago=0, outcome=Outcome.SUCCESS, reason="", provider=None, tenant=None):
    data = (
        {"method": "saml", "providerId": str(provider.id)} if provider else {"method": "password"}
    )
    event = record(
        "auth.signin",
        tenant=tenant or world.tenant,
        actor_label="someone@acme.example",
        outcome=outcome,
        reason_code=reason,
        data=data,
    )
    AuditEvent.objects.filter(id=event.id).update(created_at=clock.now() - timedelta(days=days_ago))


def activity_section(body: str):
    doc = lxml.html.fromstring(body)
    sections = doc.xpath("//section[@aria-labelledby='activity-title']")
    assert len(sections) == 1, "one sign-in activity card"
    return sections[0]


@pytest.fixture
def acme_with_history(world, other):
    add_provider(world)
    for day in range(3):
        signin(world, days_ago=day, provider=world.provider)
    signin(world, outcome=Outcome.FAILURE, reason="saml.signature_invalid", provider=world.provider)
    signin(world, days_ago=1, outcome=Outcome.FAILURE, reason="sso.unknown_user")
    signin(world, days_ago=31)  # older than the chart's 30 days
    signin(other, tenant=other.tenant)  # another tenant's sign-in
    return world


def test_the_dashboard_draws_30_days_of_sign_ins_as_svg_without_inline_style(
    acme_with_history, acme_admin
):
    body = acme_admin.get(reverse("console:dashboard")).content.decode()
    card = activity_section(body)
    svg = card.xpath(".//svg")[0]
    assert svg.get("role") == "img"
    assert "3 successful, 2 refused" in svg.get("aria-label")
    assert len(svg.xpath(".//rect")) == 5  # 3 days of successes, 2 refusal parts
    assert not card.xpath(".//*[@style]") and "<script" not in lxml.html.tostring(card).decode()
    table = card.xpath(".//div[@class='visually-hidden']/table")[0]
    assert len(table.xpath("./tbody/tr")) == 30
    headers = [th.text_content() for th in table.xpath("./thead//th")]
    assert headers == [
        "Day (UTC)",
        "Successful sign-ins",
        "Refused: saml.signature_invalid",
        "Refused: sso.unknown_user",
        "Refused in all",
    ]
    today = table.xpath("./tbody/tr")[-1]
    assert [c.text_content() for c in today.xpath("./td")] == ["1", "1", "0", "1"]


def test_a_refusal_reason_in_the_legend_opens_the_audit_log_filtered_to_it(
    acme_with_history, acme_admin
):
    body = acme_admin.get(reverse("console:dashboard")).content.decode()
    links = {a.text_content(): a.get("href") for a in activity_section(body).xpath(".//li/a")}
    href = links["Refused: saml.signature_invalid"]
    query = parse_qs(urlsplit(href).query)
    assert query["reason"] == ["saml.signature_invalid"] and query["outcome"] == ["failure"]
    assert query["action"] == ["auth.signin"]
    log = acme_admin.get(href)
    assert log.status_code == 200
    events = [event for event, _ in log.context["rows"]]
    assert [e.reason_code for e in events] == ["saml.signature_invalid"]


def test_a_providers_page_shows_only_the_sign_ins_through_that_provider(
    acme_with_history, acme_admin
):
    world = acme_with_history
    body = acme_admin.get(reverse("console:identity_provider", args=[world.provider.id]))
    card = activity_section(body.content.decode())
    assert "3 successful, 1 refused" in card.xpath(".//svg")[0].get("aria-label")
    href = {a.text_content(): a.get("href") for a in card.xpath(".//li/a")}[
        "Refused: saml.signature_invalid"
    ]
    assert parse_qs(urlsplit(href).query)["provider"] == [str(world.provider.id)]
    rows = acme_admin.get(href).context["rows"]
    assert [e.provider_id for e, _ in rows] == [world.provider.id]


def test_the_audit_log_refuses_another_tenants_provider_as_a_filter(
    acme_with_history, other, acme_admin
):
    add_provider(other)
    signin(other, tenant=other.tenant, provider=other.provider)
    response = acme_admin.get(reverse("console:audit"), {"provider": str(other.provider.id)})
    assert "provider" in response.context["form"].errors
    assert all(e.tenant_id == acme_with_history.tenant.id for e, _ in response.context["rows"])


def test_without_sign_ins_the_card_says_so(world, acme_admin):
    card = activity_section(acme_admin.get(reverse("console:dashboard")).content.decode())
    assert "No sign-ins in the last 30 days." in card.text_content() and not card.xpath(".//svg")


def test_a_plain_user_sees_no_activity(world):
    body = world.client("user").get(reverse("console:dashboard")).content.decode()
    assert "activity-title" not in body


def test_bars_stack_successes_under_refusals_scaled_to_a_round_maximum():
    today = clock.now().date()
    activity = summarize([(today, "success", "", 6), (today, "failure", "a.b", 2)], last_day=today)
    chart = build(activity)
    assert [b.css for b in chart.bars] == ["series-success", "series-0"]
    success, refusal = chart.bars
    assert refusal.y + refusal.height == pytest.approx(success.y, abs=0.2)  # stacked on top
    assert success.height == pytest.approx(3 * refusal.height, abs=0.2)
    assert [t.text for t in chart.y_ticks] == ["0", "5", "10"]
    assert re.match(r"\w{3} \d+: 6 × Successful sign-ins", success.title)


@pytest.mark.parametrize(
    "value, ceiling", [(0, 4), (3, 4), (5, 10), (11, 20), (21, 50), (51, 100), (999, 1000)]
)
def test_the_axis_ends_at_a_round_number(value, ceiling):
    assert nice_ceiling(value) == ceiling
