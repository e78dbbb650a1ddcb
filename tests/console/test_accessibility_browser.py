"""Every main page of the console and the dev IdP passes axe-core's WCAG 2.1 A and AA rules, wide and narrow.

axe-core (through axe-playwright-python, pinned in pyproject.toml) runs in
Debian's chromium on each stop of :mod:`site_tour`, at 1280 px and at 390 px
(a phone). One test per width collects every violation of every page and
fails with all of them listed, so a regression names the page, the rule and
the element at once.
"""

from __future__ import annotations

import importlib
import os
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import clear_url_caches

import ssoconsole.urls

from .site_tour import console_tour, devidp_tour, populate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_21_A_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture
def site(settings, tmp_path, app_url):
    """The configured demo, with the dev IdP mounted, served by the live server."""
    settings.SSOCONSOLE_DEVIDP_ENABLED = True
    settings.SSOCONSOLE_DATA_DIR = tmp_path
    clear_url_caches()
    importlib.reload(ssoconsole.urls)
    yield populate(app_url)
    settings.SSOCONSOLE_DEVIDP_ENABLED = False
    clear_url_caches()
    importlib.reload(ssoconsole.urls)


def _violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG_21_A_AA).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in results["violations"]
    ]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_no_page_has_a_wcag_21_a_or_aa_violation(site, browser, viewport):
    """axe finds no WCAG 2.1 A/AA violation on any main page of the console or the dev IdP."""
    found: dict[str, list[str]] = {}
    visited = []

    for tour in (console_tour, devidp_tour):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.set_default_timeout(15_000)

        def visit(name, page=page):
            visited.append(name)
            problems = _violations(page)
            if problems:
                found[f"{name} ({page.url})"] = problems

        tour(page, site, visit)
        context.close()
    assert len(visited) >= 40
    report = "\n".join(f"{name}:\n  " + "\n  ".join(p) for name, p in found.items())
    assert not found, f"WCAG 2.1 A/AA violations at {viewport['width']} px:\n{report}"


def test_no_page_scrolls_sideways_on_a_phone(site, browser):
    """At 390x844 every main page fits the width: wide tables scroll inside their own region instead.

    The browser also reports nothing the Content-Security-Policy refused.

    With ``SSOCONSOLE_TOUR_SHOTS=DIR`` each stop is also saved as a PNG in DIR,
    to look at the pages the way a phone shows them.
    """
    shots = os.environ.get("SSOCONSOLE_TOUR_SHOTS")
    too_wide = {}
    visited = []
    refused_by_csp = []
    for tour in (console_tour, devidp_tour):
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        page.set_default_timeout(15_000)
        # The chart and the tables must work under the Content-Security-Policy (no inline style).
        page.on(
            "console",
            lambda m: (
                refused_by_csp.append(m.text) if "Content Security Policy" in m.text else None
            ),
        )

        def visit(name, page=page):
            visited.append(name)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide[name] = width
            if shots:
                slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
                page.screenshot(path=f"{shots}/{len(visited):02d}-{slug}.png", full_page=True)

        tour(page, site, visit)
        context.close()
    assert len(visited) >= 40
    assert not too_wide, f"pages wider than {PHONE['width']} px (scroll width): {too_wide}"
    assert not refused_by_csp
