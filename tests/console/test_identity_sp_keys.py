"""The Service provider keys page: the three rotation steps from the console, with Entra's words."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ssoconsole.audit.models import AuditEvent
from ssoconsole.sso.models import SPIdentity

pytestmark = pytest.mark.django_db
URL = reverse("console:identity_sp_keys")


def post(client, purpose: str, action: str):
    return client.post(URL, {"purpose": purpose, "action": action}, follow=True)


def test_the_page_shows_both_keys_with_thumbprints_and_is_linked_from_identity_management(
    world, acme_identity_admin
):
    page = acme_identity_admin.get(URL).content.decode()
    assert "Request signing key" in page and "Assertion encryption key" in page
    assert page.count('data-stage="steady"') == 2 and "Prepare next key" in page
    identity = SPIdentity.objects.get(tenant=world.tenant)
    assert identity.encryption_certificate_pem  # generated on first use
    assert URL in acme_identity_admin.get(reverse("console:identity")).content.decode()


def test_prepare_switch_and_an_early_retire_say_what_happened_and_what_next(
    world, acme_identity_admin
):
    prepared = post(acme_identity_admin, "encryption", "prepare").content.decode()
    assert "Next encryption key prepared" in prepared
    assert "Token encryption &gt; Import certificate" in prepared
    assert "BEGIN CERTIFICATE" in prepared and 'data-stage="prepared"' in prepared

    switched = post(acme_identity_admin, "encryption", "switch").content.decode()
    assert "Switched to the new encryption key" in switched and "Retire old key" in switched

    early = post(acme_identity_admin, "encryption", "retire").content.decode()
    assert "can be retired from" in early and 'data-stage="switched"' in early
    actions = set(AuditEvent.objects.filter(tenant=world.tenant).values_list("action", flat=True))
    assert {"sp_identity.key_prepared", "sp_identity.key_switched"} <= actions


def test_an_unknown_step_is_answered_with_a_sentence(acme_identity_admin):
    page = post(acme_identity_admin, "encryption", "explode").content.decode()
    assert "Choose one of the buttons on this page." in page
