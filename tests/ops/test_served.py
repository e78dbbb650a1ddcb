"""Health, readiness and metrics over HTTP with two gunicorn workers, and a log that keeps no secret.

One ``ssoconsole serve --workers 2`` on loopback: requests spread over both
workers, ``/metrics`` adds up both (prometheus multiprocess mode), and every
line the server wrote while a person signed in with a password and through
SAML, an API client used its token and an agent started a hand-off is
searched for those secrets afterwards.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import requests
from console_process import free_port, serve

from ssoconsole.saml.config import ServiceProvider
from tests.signin import helpers

from .served import Person, base_env, cli, request

PASSWORD = "Served-and-logged-1234!"
METRICS_TOKEN = "metrics-token-0123456789abcdef"


def _series(text: str, name: str, **labels) -> float:
    """The sum of every sample of ``name`` whose labels include ``labels``."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match and all(f'{k}="{v}"' in match.group(1) for k, v in labels.items()):
            total += float(match.group(2))
    return total


def test_two_workers_serve_health_readiness_and_summed_metrics_and_log_no_secret(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = base_env(tmp_path / "data", base, SSOCONSOLE_METRICS_TOKEN=METRICS_TOKEN)
    cli(env, "migrate")
    tenant = cli(env, "create-tenant", "--name", "Served Co")
    admin = "admin@served.test"
    cli(env, "create-user", "--tenant", tenant, "--username", admin, "--password", PASSWORD)
    cli(env, "create-user", "--tenant", tenant, "--username", admin.replace("admin", "ida"),
        "--role", "identity-admin", "--role", "org-admin")  # fmt: skip
    token = cli(env, "create-api-token", "--username", admin.replace("admin", "ida"))
    log = tmp_path / "serve.log"
    with serve(env, port, log, workers=2):
        assert request(port, "GET", "/healthz").json() == {"status": "ok"}
        ready = request(port, "GET", "/readyz").json()
        assert (ready["status"], ready["database"], ready["cache"]) == ("ready", "ok", "ok")
        assert request(port, "GET", "/metrics").status == 403

        # 40 page loads, eight at a time: both workers answer some.
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: request(port, "GET", "/login").status, range(40)))
        assert statuses == [200] * 40

        traced = request(port, "GET", "/login", headers={"X-Request-ID": "trace-abc.123"})
        assert traced.headers["x-request-id"] == "trace-abc.123"

        # Secrets that travel in this run: a password, an API token, an agent's hand-off key and
        # poll secret, a SAML response, its RelayState and the session cookie.
        browser = Person(port, "127.0.0.9")
        signed_in = browser.post_form(
            "/login", {"step": "password", "username": admin, "password": PASSWORD}
        )
        assert signed_in.status == 302
        session_cookie = browser.cookies["ssoconsole_session"]
        auth = {"Authorization": f"Bearer {token}"}
        assert requests.get(f"{base}/api/v1/me", headers=auth, timeout=30).status_code == 200
        started = requests.post(
            f"{base}/api/v1/agents/sign-in", json={"deviceName": "Laptop"}, timeout=30
        ).json()
        browser_key = started["browserUrl"].rsplit("/", 1)[1]
        poll_secret = started["pollSecret"]
        requests.post(f"{base}/api/v1/agents/token", json={"pollSecret": poll_secret}, timeout=30)
        browser.get(urlsplit(started["browserUrl"]).path)

        saml_response, relay_state = _saml_sign_in(base, tenant, auth)

        scraped = request(
            port, "GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
    assert scraped.status == 200
    text = scraped.body
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    login_pids = {
        line["pid"]
        for line in lines
        if line.get("logger") == "ssoconsole.request" and line.get("route") == "/login"
    }
    assert len(login_pids) == 2, "both workers should have served /login"
    # Every /login answer of both workers is counted once in the scrape.
    served_logins = sum(
        1
        for line in lines
        if line.get("logger") == "ssoconsole.request" and line.get("route") == "/login"
    )
    assert _series(text, "ssoconsole_http_responses_total", route="/login") == served_logins
    assert _series(text, "ssoconsole_signins_total", method="password", result="success") == 1
    assert _series(text, "ssoconsole_signins_total", method="saml", result="success") == 1
    assert (
        _series(
            text, "ssoconsole_http_request_duration_seconds_count", route="/sso/<str:tenant_id>/acs"
        )
        == 1
    )
    assert any(line.get("request_id") == "trace-abc.123" for line in lines)

    written = log.read_text()
    for secret in (PASSWORD, token, browser_key, poll_secret, relay_state, session_cookie):
        assert secret not in written
    for start in range(0, len(saml_response) - 40, 200):
        assert saml_response[start : start + 40] not in written


def _saml_sign_in(base: str, tenant: str, auth: dict) -> tuple[str, str]:
    """Add a provider for the top organization, then sign a user in through it; return the SAML secrets."""
    created = requests.post(
        f"{base}/api/v1/auth-providers",
        headers=auth,
        timeout=30,
        json={
            "displayName": "Entra ID",
            "metadataXml": helpers.metadata(
                helpers.ENTITY_A, helpers.SSO_URL_A, helpers.key()
            ).decode(),
        },
    )
    assert created.status_code == 201, created.text
    orgs = requests.get(f"{base}/api/v1/orgs", headers=auth, timeout=30).json()["items"]
    top = next(o for o in orgs if not o.get("parentId"))
    requests.put(
        f"{base}/api/v1/auth-providers/{created.json()['id']}/orgs",
        headers=auth,
        json={"orgIds": [top["id"]]},
        timeout=30,
    ).raise_for_status()
    person = requests.Session()
    first = person.get(
        f"{base}/login", params={"username": "admin@served.test"}, allow_redirects=False, timeout=30
    )
    assert first.status_code == 302, first.text[:300]
    query = parse_qs(urlsplit(first.headers["Location"]).query)
    started = helpers.parse_redirect(first.headers["Location"])
    sp = ServiceProvider(entity_id=f"{base}/{tenant}", acs_url=f"{base}/sso/{tenant}/acs")
    saml_response = helpers.answer(None, started["id"], "admin@served.test", sp=sp)
    relay_state = query["RelayState"][0]
    done = person.post(
        f"{base}/sso/{tenant}/acs",
        data={"SAMLResponse": saml_response, "RelayState": relay_state},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 303, done.text[-1000:]
    return saml_response, relay_state
