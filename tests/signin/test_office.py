"""An office behind one NAT address: 2,000 colleagues sign in through the IdP within ten minutes."""

from __future__ import annotations

from django.test import Client

from ssoconsole.accounts.models import User
from ssoconsole.sso.models import SignInRequest

OFFICE = "192.0.2.77"


def test_2000_distinct_users_from_one_address_all_reach_their_idp_in_ten_simulated_minutes(
    sso_org, tenant, clock
):
    """One start every 0.3 s from the office address for ten minutes: every one is sent to the IdP."""
    User.objects.bulk_create(
        User(tenant=tenant, org=sso_org, username=f"colleague{n}@example.org") for n in range(2000)
    )
    statuses = []
    for n in range(2000):
        browser = Client(REMOTE_ADDR=OFFICE)
        statuses.append(
            browser.get("/login", {"username": f"colleague{n}@example.org"}).status_code
        )
        clock.advance(seconds=0.3)
    assert statuses.count(302) == 2000
    assert SignInRequest.objects.filter(tenant=tenant).count() == 2000
