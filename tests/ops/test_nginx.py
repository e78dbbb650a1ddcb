"""Behind Debian's nginx: two people behind the proxy are counted apart, and a forged X-Forwarded-For is not believed.

nginx runs as this test's own process (configuration in a temporary
directory, a free loopback port) in front of ``ssoconsole serve`` with
``SSOCONSOLE_TRUSTED_PROXIES=127.0.0.1``. Each "person" is a client bound
to its own loopback address, so the peers are real.
"""

from __future__ import annotations

from console_process import free_port, serve

from ssoconsole.accounts.signin import USERNAME_ADDRESS_RULE

from .served import Person, base_env, cli, nginx, request

PASSWORD = "Behind-nginx-1234!"
ALICE, BOB, MALLORY, CAROL = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"


def sign_in(port: int, source: str, username: str, password: str, headers=None):
    """A fresh browser at ``source`` posts the password form (with its CSRF token)."""
    return Person(port, source).post_form(
        "/login", {"step": "password", "username": username, "password": password}, headers
    )


def test_behind_nginx_clients_are_counted_apart_and_forged_forwarding_is_ignored(tmp_path):
    app_port, proxy_port = free_port(), free_port()
    env = base_env(
        tmp_path / "data",
        f"http://127.0.0.1:{proxy_port}",
        SSOCONSOLE_TRUSTED_PROXIES="127.0.0.1",
    )
    cli(env, "migrate")
    tenant = cli(env, "create-tenant", "--name", "Proxy Co")
    user = "ada@proxy.test"
    cli(env, "create-user", "--tenant", tenant, "--username", user, "--password", PASSWORD)
    admin = "admin@proxy.test"
    cli(env, "create-user", "--tenant", tenant, "--username", admin, "--role", "org-admin")
    token = cli(env, "create-api-token", "--username", admin)

    with (
        serve(env, app_port, tmp_path / "serve.log", workers=2),
        nginx(tmp_path / "nginx", proxy_port, app_port),
    ):
        # Alice (through nginx) mistypes until her address is stopped for this username.
        for _ in range(USERNAME_ADDRESS_RULE.limit):
            assert sign_in(proxy_port, ALICE, user, "wrong-password").status == 401
        assert sign_in(proxy_port, ALICE, user, PASSWORD).status == 429
        # Bob, behind the same nginx, is another client: the right password works.
        assert sign_in(proxy_port, BOB, user, PASSWORD).status == 302
        # Carol, through nginx, claims to be Bob's neighbour Alice: nginx appends her real address,
        # the console walks from the right and stops at her, not at the forged entry.
        forged = {"X-Forwarded-For": ALICE}
        assert sign_in(proxy_port, CAROL, user, PASSWORD, headers=forged).status == 302
        # Mallory connects to the console directly (not a trusted proxy) and claims to be Bob:
        # the header is ignored, so his own failures count against his own address.
        for _ in range(USERNAME_ADDRESS_RULE.limit):
            direct = sign_in(app_port, MALLORY, user, "wrong", headers={"X-Forwarded-For": BOB})
            assert direct.status == 401
        assert sign_in(proxy_port, BOB, user, PASSWORD).status == 302

        events = request(
            proxy_port,
            "GET",
            "/api/v1/audit-events?action=auth.signin&pageSize=200",
            headers={"Authorization": f"Bearer {token}"},
        ).json()["items"]
    addresses = {e["ipAddress"] for e in events}
    assert {ALICE, BOB, CAROL, MALLORY} <= addresses
    assert "127.0.0.1" not in addresses  # nobody is recorded as the proxy
    log = (tmp_path / "serve.log").read_text()
    assert f'"client": "{BOB}"' in log and f'"client": "{MALLORY}"' in log
