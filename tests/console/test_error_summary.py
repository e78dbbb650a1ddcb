"""A refused form says so first: an error summary that takes the focus, and a title starting "Error:"."""

from __future__ import annotations

import lxml.html
from django.urls import reverse


def page(response):
    return lxml.html.fromstring(response.content.decode())


def test_a_refused_new_user_gets_a_focused_alerting_summary_that_links_to_each_field(
    world, acme_admin
):
    response = acme_admin.post(reverse("console:user_create"), {"username": "", "org": ""})
    doc = page(response)
    assert doc.findtext(".//title").startswith("Error: New user")
    summary = doc.get_element_by_id("error-summary")
    assert summary.get("role") == "alert" and summary.get("tabindex") == "-1"
    assert summary.get("autofocus") is not None
    links = {a.get("href") for a in summary.xpath(".//a")}
    assert {"#id_username", "#id_org"} <= links
    for href in links:  # every link lands on a field of the form
        assert doc.xpath(f"//*[@id='{href[1:]}']")


def test_a_page_without_a_refused_form_has_no_summary_and_a_plain_title(world, acme_admin):
    doc = page(acme_admin.get(reverse("console:user_create")))
    assert doc.findtext(".//title") == "New user · ssoconsole"
    assert not doc.xpath("//*[@id='error-summary']")


def test_a_refused_local_user_is_shown_on_the_identity_management_screen_itself(
    world, acme_identity_admin
):
    response = acme_identity_admin.post(
        reverse("console:identity_local_user_add"), {"username": "nobody@acme.example"}
    )
    assert response.status_code == 200
    doc = page(response)
    assert doc.findtext(".//title").startswith("Error: Identity Management")
    assert doc.findtext(".//h1") == "Identity Management"
    assert doc.xpath("//section[@id='local-users']//*[@id='error-summary']")
    assert doc.xpath("//*[@id='sp-title']")  # the rest of the screen is there too
