"""A database or Redis restart under load: no 500, no replay accepted, sign-in back within seconds.

The test starts its own PostgreSQL cluster and redis-server on free loopback
ports, serves the console on them with two workers, and lets four virtual
users (each from its own loopback address) sign in through SAML and call
the API in a loop. PostgreSQL is then restarted (down for a moment), later
Redis is stopped for three seconds and started again. It runs in CI like
every other test (marker ``faults``) and stays well under a minute.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests
from console_process import free_port, serve
from requests.adapters import HTTPAdapter

from ssoconsole.saml.config import ServiceProvider
from tests.signin import helpers

from .private_services import private_postgres, private_redis
from .served import base_env, cli, request

pytestmark = pytest.mark.faults

USERS = [f"vu{n}@faults.test" for n in range(4)]


class FromAddress(HTTPAdapter):
    """Connections from one loopback source address (one virtual user, one client address)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


def session_from(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


class Load:
    """Virtual users signing in and calling the API until stopped; every status is kept."""

    def __init__(self, base: str, tenant: str, token: str) -> None:
        self.base, self.tenant, self.token = base, tenant, token
        self.sp = ServiceProvider(entity_id=f"{base}/{tenant}", acs_url=f"{base}/sso/{tenant}/acs")
        self.statuses: list[tuple[float, str, int]] = []
        self.signed_in: list[float] = []
        self.accepted_forms: list[tuple[dict, dict]] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def _note(self, what: str, status: int) -> None:
        with self.lock:
            self.statuses.append((time.monotonic(), what, status))

    def user(self, n: int) -> None:
        while not self.stop.is_set():
            person = session_from(f"127.0.2.{n + 1}")
            try:
                self._sign_in(person, USERS[n])
                me = person.get(
                    f"{self.base}/api/v1/me",
                    headers={"Authorization": f"Bearer {self.token}"},
                    timeout=15,
                )
                self._note("me", me.status_code)
            except requests.RequestException:
                time.sleep(0.2)  # the load generator's own timeout: no answer is not an answer

    def _sign_in(self, person: requests.Session, username: str) -> None:
        start = person.get(
            f"{self.base}/login", params={"username": username}, allow_redirects=False, timeout=15
        )
        self._note("login", start.status_code)
        if start.status_code != 302:
            time.sleep(0.2)
            return
        started = helpers.parse_redirect(start.headers["Location"])
        form = {
            "SAMLResponse": helpers.answer(None, started["id"], username, sp=self.sp),
            "RelayState": started["relay_state"],
        }
        done = person.post(
            f"{self.base}/sso/{self.tenant}/acs", data=form, allow_redirects=False, timeout=15
        )
        self._note("acs", done.status_code)
        if done.status_code == 303:
            with self.lock:
                self.signed_in.append(time.monotonic())
                cookies = {
                    k: v for k, v in person.cookies.items() if k.startswith("ssoconsole_sso")
                }
                self.accepted_forms.append((form, cookies))

    def successes_after(self, moment: float) -> list[float]:
        with self.lock:
            return [t for t in self.signed_in if t > moment]


def _wait_for(condition, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def _prepare(base: str, env: dict) -> tuple[str, str]:
    cli(env, "migrate")
    tenant = cli(env, "create-tenant", "--name", "Faults Co")
    cli(env, "create-user", "--tenant", tenant, "--username", "admin@faults.test",
        "--role", "identity-admin", "--role", "org-admin")  # fmt: skip
    token = cli(env, "create-api-token", "--username", "admin@faults.test")
    return tenant, token


def _configure(base: str, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
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
    for username in USERS:
        made = requests.post(
            f"{base}/api/v1/users",
            headers=auth,
            json={"username": username, "orgId": top["id"]},
            timeout=30,
        )
        assert made.status_code == 201, made.text
    requests.put(
        f"{base}/api/v1/auth-providers/{created.json()['id']}/orgs",
        headers=auth,
        json={"orgIds": [top["id"]]},
        timeout=30,
    ).raise_for_status()


def test_restarting_postgresql_and_redis_under_load_gives_no_500_and_accepts_no_replay(tmp_path):
    with private_postgres() as pg, private_redis() as redis:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = base_env(tmp_path / "data", base, DATABASE_URL=pg.url, REDIS_URL=redis.url)
        tenant, token = _prepare(base, env)
        log = tmp_path / "serve.log"
        with serve(env, port, log, workers=2):
            _configure(base, token)
            load = Load(base, tenant, token)
            users = [threading.Thread(target=load.user, args=(n,)) for n in range(len(USERS))]
            for user in users:
                user.start()
            try:
                _wait_for(lambda: len(load.signed_in) >= 4, 20)

                pg.restart()  # a fast shutdown and start: connections in use are cut
                restarted = time.monotonic()
                back_after = _wait_for(lambda: load.successes_after(restarted), 10)

                redis.stop()
                stopped = time.monotonic()
                time.sleep(1)
                ready = request(port, "GET", "/readyz").json()
                _wait_for(lambda: load.successes_after(stopped + 0.5), 5)
                time.sleep(2)
                redis.start()
                redis_back = time.monotonic()
                _wait_for(lambda: load.successes_after(redis_back), 10)
            finally:
                load.stop.set()
                for user in users:
                    user.join(timeout=30)

            # Every response accepted before the outages is refused when it comes again.
            replays = []
            for form, cookies in load.accepted_forms[:3]:
                again = session_from("127.0.3.1")
                again.cookies.update(cookies)
                replays.append(
                    again.post(
                        f"{base}/sso/{tenant}/acs", data=form, allow_redirects=False, timeout=15
                    ).status_code
                )
        server_log = log.read_text()

    statuses = [status for _, _, status in load.statuses]
    server_errors = [(what, s) for _, what, s in load.statuses if s >= 500 and s != 503]
    assert not server_errors, server_errors
    assert replays == [400] * len(replays)
    assert back_after < 10
    assert ready["status"] == "ready" and ready["cache"] == "degraded"
    assert 303 in statuses and statuses.count(303) == len(load.signed_in)
    assert server_log.count("Redis is unreachable") <= 2  # logged once per worker and outage
    # A 503 says when to come back and is not a crash.
    assert "Internal Server Error" not in server_log
