"""Finding 7: a strict Content-Security-Policy and Permissions-Policy on every page, and clean access logs.

Over HTTP against the live server: every page an attacker could reach or
make someone reach (login, console, refusal, agent approval, dev IdP, 404,
the API) carries the policy, and no page has an inline script, an inline
style or an event-handler attribute for the policy to have to allow.
Against a real ``ssoconsole serve``: the hand-off key and a typed username
sent in URLs never reach gunicorn's access log.
"""

from __future__ import annotations

import importlib
import os
from html.parser import HTMLParser

import pytest
import requests
from console_process import CLI, free_port, serve
from django.urls import clear_url_caches

import ssoconsole.urls
from ssoconsole.accounts.roles import Role
from ssoconsole.core.security_headers import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.django_db(transaction=True)


class InlineFinder(HTMLParser):
    """Collect what a CSP without 'unsafe-inline' would block: inline scripts, styles, handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.found.append(f"{name} handler on <{tag}>")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.found.append(f"javascript: URL on <{tag}>")


def inline_content(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def check(response: requests.Response, what: str) -> list[str]:
    problems = []
    if response.headers.get("Content-Security-Policy") != CONTENT_SECURITY_POLICY:
        problems.append(f"{what}: CSP {response.headers.get('Content-Security-Policy')!r}")
    if "camera=()" not in response.headers.get("Permissions-Policy", ""):
        problems.append(f"{what}: Permissions-Policy missing")
    if response.headers.get("Referrer-Policy") != "same-origin":
        problems.append(f"{what}: Referrer-Policy {response.headers.get('Referrer-Policy')!r}")
    if "text/html" in response.headers.get("Content-Type", ""):
        problems += [f"{what}: {item}" for item in inline_content(response.text)]
    return problems


def test_the_policy_forbids_inline_code_and_foreign_origins():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


@pytest.fixture
def devidp_mounted(settings):
    before = settings.SSOCONSOLE_DEVIDP_ENABLED
    settings.SSOCONSOLE_DEVIDP_ENABLED = True
    clear_url_caches()
    importlib.reload(ssoconsole.urls)
    yield
    settings.SSOCONSOLE_DEVIDP_ENABLED = before
    clear_url_caches()
    importlib.reload(ssoconsole.urls)


def test_every_page_carries_the_policies_and_no_inline_code(
    app_url, tenant, make_user, make_org, new_visitor, password, devidp_mounted
):
    admin = make_user(
        "admin@headers.test", roles=[Role.IDENTITY_ADMIN, Role.ORG_ADMIN], first_name="Ada"
    )
    child = make_org("Child")
    make_org("Grandchild", parent=child)
    anonymous = new_visitor()
    problems: list[str] = []
    for path in ("/login", "/signed-out", "/no-such-page", "/devidp/", "/devidp/admin/signin"):
        problems += check(anonymous.get(path), path)
    problems += check(anonymous.post(f"/sso/{tenant.id}/acs", {"SAMLResponse": "eA=="}), "ACS")
    problems += check(anonymous.get("/api/v1/me"), "API 401")

    started = requests.post(
        f"{app_url}/api/v1/agents/sign-in", json={"deviceName": "Laptop"}, timeout=30
    ).json()
    console = new_visitor().sign_in(admin.username, password)
    approval_path = started["browserUrl"].split("//", 1)[1].split("/", 1)[1]
    approval = console.get("/" + approval_path, allow_redirects=True)
    assert approval.status_code == 200
    problems += check(approval, "agent approval page")
    pages = [
        "/console/",
        "/console/orgs/",
        f"/console/orgs/{child.id}/",
        "/console/users/",
        "/console/users/new/",
        f"/console/users/{admin.id}/",
        f"/console/users/{admin.id}/edit/",
        "/console/administration/integrations/identity-management/",
        "/console/audit/",
        "/console/account/",
        "/console/agents/",
        "/logout",
    ]
    for path in pages:
        response = console.get(path)
        assert response.status_code == 200, (path, response.status_code)
        problems += check(response, path)
    assert problems == []


def test_tree_indentation_needs_no_inline_style(
    app_url, make_user, make_org, new_visitor, password
):
    """The org tree says its depth as data; the stylesheet and console.js indent it."""
    admin = make_user("admin@tree.test", roles=[Role.ORG_ADMIN])
    child = make_org("Child")
    make_org("Grandchild", parent=child)
    page = new_visitor().sign_in(admin.username, password).get("/console/orgs/").text
    assert 'data-depth="2"' in page and "style=" not in page
    css = new_visitor().get("/static/console/console.css").text
    assert '.tree-name[data-depth="2"] { --depth: 2; }' in css


def test_names_with_control_or_bidi_characters_are_refused_over_the_api(
    app_url, make_user, api_token_for
):
    from .live import Api

    admin = make_user("admin@names.test", roles=[Role.ORG_ADMIN])
    api = Api(app_url, api_token_for(admin))
    for name in ("Ada\u202eecalevol", "Ada\x1b[31m", "Ada\nLovelace"):
        response = api(
            "POST",
            "/users",
            {"username": "ada@names.test", "orgId": str(admin.org_id), "firstName": name},
        )
        error = response.json()["error"]
        assert response.status_code == 400 and error["code"] == "text_control_character", error
        assert error["field"] == "firstName"
    assert (
        api(
            "POST",
            "/users",
            {"username": "ada@names.test", "orgId": str(admin.org_id), "firstName": "Ada Zoë"},
        ).status_code
        == 201
    )


def test_hand_off_keys_and_typed_usernames_never_reach_the_access_log(tmp_path):
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        SSOCONSOLE_DATA_DIR=str(tmp_path / "var"), SSOCONSOLE_BASE_URL=f"http://127.0.0.1:{port}"
    )
    import subprocess

    assert (
        subprocess.run(
            [CLI, "migrate"], check=False, env=env, capture_output=True, timeout=120
        ).returncode
        == 0
    )
    log = tmp_path / "serve.log"
    with serve(env, port, log) as url:
        started = requests.post(
            f"{url}/api/v1/agents/sign-in", json={"deviceName": "Laptop"}, timeout=30
        ).json()
        key = started["browserUrl"].rsplit("/", 1)[1]
        requests.get(started["browserUrl"], timeout=30, allow_redirects=False)
        static = requests.get(f"{url}/static/console/console.js", timeout=30)
        assert static.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        requests.get(
            f"{url}/login",
            params={"username": "typed.person@example.org"},
            headers={"Referer": started["browserUrl"]},
            timeout=30,
            allow_redirects=False,
        )
    text = log.read_text()
    assert "/agents/authorize/[redacted]" in text and "username=[redacted]" in text
    assert key not in text and "typed.person" not in text
