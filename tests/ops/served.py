"""Real processes for the operations tests: nginx, and HTTP from chosen loopback addresses.

``ssoconsole serve`` itself is started with ``console_process.serve``, as in every other test.

Every server binds a free loopback port chosen at run time and is stopped by
the test that started it. Clients bind their own source address in
127.0.0.0/8, so that "two people behind one proxy" are two real peers.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from console_process import CLI, stop, wait_until_answering

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def base_env(data_dir: Path, base_url: str, **extra: str) -> dict:
    """The environment of a served console: this process's, minus the test database and cache settings.

    Each served console gets a fresh data directory and so a fresh SQLite file and file cache; a
    Redis used by other runs (CI's) would carry throttle counts from one run into the next.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR")
        and not k.startswith("SSOCONSOLE_")
    }
    env.update(SSOCONSOLE_DATA_DIR=str(data_dir), SSOCONSOLE_BASE_URL=base_url, **extra)
    return env


def cli(env: dict, *args: str) -> str:
    """Run ``ssoconsole ARGS`` and return the last word it printed (an id or a token)."""
    done = subprocess.run(
        [CLI, *args], check=False, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"ssoconsole {args[0]}: {done.stderr[-2000:]}"
    out = done.stdout.strip()
    return out.splitlines()[-1].split()[-1] if out else ""


@dataclass
class Response:
    status: int
    headers: dict
    body: str
    cookie_pairs: list[tuple[str, str]]

    def json(self):
        return json.loads(self.body)


def request(
    port: int,
    method: str,
    path: str,
    *,
    source: str = "127.0.0.1",
    form: dict | None = None,
    headers: dict | None = None,
    timeout: float = 30,
) -> Response:
    """One HTTP request to 127.0.0.1:``port`` from the loopback address ``source``."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0)
    )
    try:
        body = urlencode(form) if form is not None else None
        sent = dict(headers or {})
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=sent)
        answer = conn.getresponse()
        cookies = []
        for name, value in answer.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                cookies.append(tuple(pair.split("=", 1)))
        return Response(
            answer.status,
            {k.lower(): v for k, v in answer.getheaders()},
            answer.read().decode("utf-8", "replace"),
            cookies,
        )
    finally:
        conn.close()


NGINX_CONF = """
worker_processes 1;
daemon off;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 128; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


@contextmanager
def nginx(directory: Path, port: int, upstream: int):
    """Debian's nginx as this test's own process, proxying 127.0.0.1:``port`` to ``upstream``."""
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            dir=directory,
            port=port,
            upstream=upstream,
            user="user root;" if os.geteuid() == 0 else "",
        )
    )
    log = directory / "error.log"
    log.touch()
    proc = subprocess.Popen(
        [NGINX, "-p", str(directory), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=open(directory / "stderr.log", "wb"),  # noqa: SIM115 - closed with the process
        start_new_session=True,
    )
    try:
        wait_until_answering(port, proc, directory / "stderr.log", path="/healthz")
        yield proc
    finally:
        stop(proc)


class Person:
    """A browser at one loopback address: keeps its cookies and sends the CSRF token with forms."""

    def __init__(self, port: int, source: str) -> None:
        self.port, self.source = port, source
        self.cookies: dict[str, str] = {}

    def _send(self, method: str, path: str, form=None, headers=None) -> Response:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = request(self.port, method, path, source=self.source, form=form, headers=sent)
        for name, value in answer.cookie_pairs:
            self.cookies[name] = value
        return answer

    def get(self, path: str, headers=None) -> Response:
        return self._send("GET", path, headers=headers)

    def post_form(self, path: str, form: dict, headers=None) -> Response:
        """POST ``form`` with the CSRF token of a fresh GET of ``path``."""
        page = self.get(path, headers=headers)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        assert match, f"no CSRF token on {path}: {page.status}"
        return self._send(
            "POST", path, form={**form, "csrfmiddlewaretoken": match.group(1)}, headers=headers
        )
