"""Whole SP-initiated sign-ins per second: ``ssoconsole serve`` against a python3-saml Django SP.

Each virtual user does, with a fresh cookie jar and from its own loopback
source address (127.x.y.z, so that per-address throttles see many people,
not one attacker):

1. ``GET /login?username=U``: the SP's redirect to the IdP with an AuthnRequest;
2. the IdP's part, in this process: a signed Entra-shaped Response to that
   AuthnRequest (``entra_response.py``: its ID, ACS URL and SP entity ID);
3. ``POST`` of SAMLResponse and RelayState to the ACS URL;
4. ``GET`` of the signed-in user (``/api/v1/me``; the peer's ``/me``).

The product (``ssoconsole serve``) and the peer (``peers/python3_saml_sp``,
a plain Django 5.2 + python3-saml 1.16 SP under gunicorn with the product's
gunicorn settings) run in the same invocation, in alternating rounds, from
the same virtual environment (``benchmarks/.venv``, see README.md), so the
ratio compares them under the same load of the busy machine.

Printed per contender (median of the rounds): sign-ins/s, p50/p95/p99 of
the whole sign-in (the three HTTP exchanges; the IdP's signing is not the
SP's time and is left out) and of the ACS POST, errors, the servers' CPU
milliseconds per sign-in (user + system time of the gunicorn processes from
/proc) and their peak resident memory. The last line is
``sign-ins/s vs python3-saml peer: N.Nx``.

``--empty`` adds a third contender, ``peers/empty_sp``: the same gunicorn
settings and Django answering the same three requests with no work at all
(no signature, no session, no database). What it reaches is the ceiling of
any Django SP served this way on this machine; the product's CPU above its
CPU is what the product's own work costs.

    benchmarks/run signin_load.py --clients 10
    benchmarks/run signin_load.py --clients 10 --empty     # and the empty Django site
    benchmarks/run signin_load.py --clients 50 --seconds 10
    benchmarks/run signin_load.py --database postgres --instances 2 --workers 1

The servers bind 127.0.0.1 on free ports and are stopped at the end; the
data lives in a temporary directory (SQLite) or in databases named by
``--pg-database`` (dropped and created; PostgreSQL and Redis at 127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from lxml import etree

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from entra_response import Scenario, Signer, build_response  # noqa: E402 - found on the path set above

IDP_TENANT = "6a1f3c1e-0b5d-4f7e-9d2a-3c4b5a6f7e8d"
EMPTY = "empty Django"  # the --empty contender's name
USERS = 2000
TICKS = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- HTTP client


class HTTPError(Exception):
    pass


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    def cookies(self) -> dict[str, str]:
        out = {}
        for k, v in self.headers:
            if k == "set-cookie":
                pair = v.split(";", 1)[0]
                if "=" in pair:
                    name, value = pair.split("=", 1)
                    out[name.strip()] = value.strip().strip('"')
        return out


class Connection:
    """One keep-alive HTTP/1.1 connection from a chosen loopback source address."""

    def __init__(self, port: int, source: str) -> None:
        self.port, self.source = port, source
        self.reader = self.writer = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(
            "127.0.0.1", self.port, local_addr=(self.source, 0)
        )

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
            self.writer = None

    async def request(
        self, method: str, target: str, *, cookies: dict, body: bytes = b"", ctype: str = ""
    ) -> Reply:
        for attempt in (1, 2):
            if self.writer is None:
                await self._open()
            head = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
            if cookies:
                head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
            if body or method == "POST":
                head += [f"Content-Type: {ctype}", f"Content-Length: {len(body)}"]
            self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            try:
                return await self._read()
            except (asyncio.IncompleteReadError, ConnectionError):
                await self.close()  # the server closed an idle keep-alive connection: retry once
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _read(self) -> Reply:
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        headers = []
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            k, v = line.decode("latin-1").split(":", 1)
            headers.append((k.strip().lower(), v.strip()))
        values = dict(headers)
        if "content-length" in values:
            body = await self.reader.readexactly(int(values["content-length"]))
        elif values.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            body = b"".join(chunks)
        else:
            body = await self.reader.read()
            await self.close()
        if values.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, headers, body)


# --------------------------------------------------------------------------- one sign-in


@dataclass(frozen=True)
class Target:
    """One contender: where its steps are and which ports serve it (several when --instances > 1)."""

    name: str
    ports: tuple[int, ...]
    login_path: str
    me_path: str


@dataclass
class Tally:
    signins: list[float] = field(default_factory=list)
    acs: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def _authn_request(location: str) -> tuple[dict, str]:
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    root = etree.fromstring(zlib.decompress(base64.b64decode(query["SAMLRequest"]), -15))
    issuer = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer")
    return {
        "id": root.get("ID"),
        "acs": root.get("AssertionConsumerServiceURL"),
        "issuer": issuer.text,
    }, query.get("RelayState", "")


async def sign_in(target: Target, source: str, username: str, signer: Signer, tally: Tally) -> bool:
    """Do one whole sign-in from ``source``; record its times, or the step that failed."""
    ports = target.ports
    first = Connection(ports[0], source)
    # With several server processes the steps go to different ones, as behind a load balancer.
    second = Connection(ports[1 % len(ports)], source) if len(ports) > 1 else first
    jar: dict[str, str] = {}
    try:
        t0 = time.perf_counter()
        reply = await first.request(
            "GET", f"{target.login_path}?{urlencode({'username': username})}", cookies=jar
        )
        t_login = time.perf_counter() - t0
        if reply.status != 302:
            tally.error(f"login {reply.status}")
            return False
        jar.update(reply.cookies())
        request, relay_state = _authn_request(reply.header("location"))
        scenario = Scenario(
            tenant_id=IDP_TENANT,
            sp_entity_id=request["issuer"],
            acs_url=request["acs"],
            request_id=request["id"],
            user=username,
        )
        xml = build_response(signer, scenario, issued=dt.datetime.now(dt.UTC))
        form = urlencode(
            {"SAMLResponse": base64.b64encode(xml).decode(), "RelayState": relay_state}
        ).encode()
        t1 = time.perf_counter()
        reply = await second.request(
            "POST",
            urlsplit(request["acs"]).path,
            cookies=jar,
            body=form,
            ctype="application/x-www-form-urlencoded",
        )
        t_acs = time.perf_counter() - t1
        if reply.status not in (302, 303):
            tally.error(f"acs {reply.status}: {reply.body[:120]!r}")
            return False
        jar.update(reply.cookies())
        t2 = time.perf_counter()
        reply = await first.request("GET", target.me_path, cookies=jar)
        t_me = time.perf_counter() - t2
        if reply.status != 200 or json.loads(reply.body).get("username", "").lower() != username:
            tally.error(f"me {reply.status}")
            return False
        tally.signins.append(t_login + t_acs + t_me)
        tally.acs.append(t_acs)
        return True
    except (OSError, asyncio.IncompleteReadError, ValueError, KeyError) as exc:
        tally.error(f"{type(exc).__name__}")
        return False
    finally:
        await first.close()
        if second is not first:
            await second.close()


def source_addresses():
    """127.0.0.2 upwards (127.0.0.1 is left to everything else): one per virtual user."""
    n = 2
    while True:
        yield f"127.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
        n += 1
        if n & 255 in (0, 255):
            n += 2


async def load(
    target: Target,
    *,
    clients: int,
    seconds: float,
    warmup: float,
    warm_signins: int,
    signer,
    usernames,
    procs,
) -> dict:
    """Run ``clients`` virtual users: a warm-up, then ``seconds`` measured; return the figures.

    The warm-up lasts ``warmup`` seconds and at least ``warm_signins``
    sign-ins, so that every server thread has served a few (its first
    requests open a connection and fill Django's lazy caches) before the
    clock starts, however slow a busy machine is at that moment.
    """
    addresses = source_addresses()
    tally = Tally()
    measuring = False
    stop_at = float("inf")
    warmed = 0

    async def user() -> None:
        nonlocal warmed
        while time.monotonic() < stop_at:
            local = Tally()
            await sign_in(target, next(addresses), random.choice(usernames), signer, local)
            warmed += 1
            if measuring:
                tally.signins += local.signins
                tally.acs += local.acs
                for k, v in local.errors.items():
                    tally.errors[k] = tally.errors.get(k, 0) + v

    tasks = [asyncio.create_task(user()) for _ in range(clients)]
    warm_until = time.monotonic() + warmup
    while time.monotonic() < warm_until or warmed < warm_signins:
        await asyncio.sleep(0.1)
    measuring = True
    stop_at = time.monotonic() + seconds
    (user0, sys0), started = procs.cpu_split(), time.monotonic()
    client_cpu0 = time.process_time()
    rss_peak = 0
    while time.monotonic() < stop_at:
        await asyncio.sleep(0.25)
        rss_peak = max(rss_peak, procs.rss_bytes())
    elapsed = time.monotonic() - started
    user1, sys1 = procs.cpu_split()
    cpu = (user1 - user0) + (sys1 - sys0)
    client_cpu = time.process_time() - client_cpu0
    measuring = False
    await asyncio.gather(*tasks)
    done = len(tally.signins)
    return {
        "rate": done / elapsed,
        "signins": done,
        "p50": _pct(tally.signins, 50),
        "p95": _pct(tally.signins, 95),
        "p99": _pct(tally.signins, 99),
        "acs50": _pct(tally.acs, 50),
        "acs95": _pct(tally.acs, 95),
        "acs99": _pct(tally.acs, 99),
        "errors": sum(tally.errors.values()),
        "error_kinds": tally.errors,
        "cpu_ms": 1000 * cpu / done if done else float("nan"),
        "sys_cpu_ms": 1000 * (sys1 - sys0) / done if done else float("nan"),
        "client_cpu_ms": 1000 * client_cpu / done if done else float("nan"),
        "rss": max(rss_peak, procs.hwm_bytes()),
    }


def _pct(values: list[float], p: int) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Servers:
    """The gunicorn masters of one contender and their workers, read from /proc."""

    def __init__(self, popens: list[subprocess.Popen]) -> None:
        self.popens = popens

    def pids(self) -> list[int]:
        masters = {p.pid for p in self.popens}
        out = list(masters)
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) in masters:
                    out.append(int(entry))
        return out

    def cpu_seconds(self) -> float:
        return sum(self.cpu_split())

    def cpu_split(self) -> tuple[float, float]:
        """User and system CPU seconds of the servers' processes so far."""
        user = system = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            user += int(fields[11])
            system += int(fields[12])
        return user / TICKS, system / TICKS

    def _status(self, key: str) -> int:
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith(key + ":"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                continue
        return total

    def rss_bytes(self) -> int:
        return self._status("VmRSS")

    def hwm_bytes(self) -> int:
        return self._status("VmHWM")

    def stop(self) -> None:
        for p in self.popens:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.popens:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def wait_listening(port: int, popen: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            raise SystemExit(f"server exited with {popen.returncode}; its log:\n{log.read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"server did not listen on {port} within {timeout:.0f} s; log: {log}")


def run_checked(cmd: list[str], env: dict, cwd: Path | None = None) -> str:
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def idp_metadata(signer: Signer) -> str:
    scenario = Scenario(tenant_id=IDP_TENANT)
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
        f'entityID="{scenario.idp_entity_id}"><md:IDPSSODescriptor '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{signer.cert_b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="{scenario.sso_url}"/></md:IDPSSODescriptor></md:EntityDescriptor>'
    )


# The users already carry the names the IdP asserts (entra_response.py: Ada Lovelace), so that
# the product's first sign-in of each user does not update and audit the names: steady state.
SEED_PRODUCT = """
import sys
from ssoconsole.accounts.models import User
from ssoconsole.sso.providers import create_provider
from ssoconsole.tenancy.services import create_org, create_tenant, set_org_sso
from django.contrib.auth.hashers import make_password
tenant = create_tenant("Bench", actor_label="benchmark")
org = create_org(tenant, "Signs in with Entra ID")
provider = create_provider(tenant, "Entra ID", metadata_xml=sys.stdin.read().encode(), actor=None)
set_org_sso(org, "provider", provider.id)
unusable = make_password(None)
User.objects.bulk_create(
    User(tenant=tenant, org=org, username=f"user{i}@bench.example", password=unusable,
         first_name="Ada", last_name="Lovelace")
    for i in range(int(sys.argv[1]))
)
"""

SEED_PEER = """
import sys
from django.contrib.auth.models import User
from django.contrib.auth.hashers import make_password
unusable = make_password(None)
User.objects.bulk_create(
    User(username=f"user{i}@bench.example", password=unusable) for i in range(int(sys.argv[1]))
)
"""


def _pg_recreate(base_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base_url}/{name}"


def gunicorn_settings(workers: int, threads: int) -> dict:
    """The product's gunicorn settings (ssoconsole.server), which the peer is served with too."""
    from django.conf import settings

    from ssoconsole.server import gunicorn_options

    if not settings.configured:
        # gunicorn_options also builds the product's logging configuration from its log
        # format setting; this process never loads the product's settings, and the peer's
        # command line (start_peer) takes only the worker, thread and timeout values.
        settings.configure(SSOCONSOLE_LOG_FORMAT="text")
    return gunicorn_options(host="127.0.0.1", port=0, workers=workers, threads=threads)


def start_product(args, signer: Signer, workdir: Path) -> tuple[Servers, Target]:
    ports = tuple(free_port() for _ in range(args.instances))
    env = {**os.environ, "SSOCONSOLE_DATA_DIR": str(workdir / "product")}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if args.database == "postgres":
        env["DATABASE_URL"] = _pg_recreate(args.pg_url, args.pg_database)
        env["REDIS_URL"] = args.redis_url
    env["SSOCONSOLE_BASE_URL"] = f"http://127.0.0.1:{ports[0]}"
    env["SSOCONSOLE_SECRET_KEY"] = "benchmark-" + os.urandom(16).hex()
    ssoconsole = str(Path(sys.executable).parent / "ssoconsole")
    run_checked([ssoconsole, "migrate", "-v", "0"], env)
    seed = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + SEED_PRODUCT, str(USERS)],
        input=idp_metadata(signer),
        env={**env, "DJANGO_SETTINGS_MODULE": "ssoconsole.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    if seed.returncode:
        raise SystemExit(f"seeding the product failed:\n{seed.stderr}")
    popens = []
    for port in ports:
        log = workdir / f"product-{port}.log"
        cmd = [ssoconsole, "serve", "--port", str(port)]
        cmd += ["--workers", str(args.workers), "--threads", str(args.threads)]
        cmd += args.serve_option
        popen = subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        wait_listening(port, popen, log)
        popens.append(popen)
    return Servers(popens), Target("ssoconsole", ports, "/login", "/api/v1/me")


def start_peer(args, signer: Signer, workdir: Path) -> tuple[Servers, Target]:
    ports = tuple(free_port() for _ in range(args.instances))
    scenario = Scenario(tenant_id=IDP_TENANT)
    env = {
        **os.environ,
        "PYTHONPATH": str(HERE / "peers"),
        "DJANGO_SETTINGS_MODULE": "python3_saml_sp.settings",
        "PEER_SECRET_KEY": "benchmark-" + os.urandom(16).hex(),
        "PEER_BASE_URL": f"http://127.0.0.1:{ports[0]}",
        "PEER_IDP_ENTITY_ID": scenario.idp_entity_id,
        "PEER_IDP_SSO_URL": scenario.sso_url,
        "PEER_IDP_CERT": signer.cert_b64,
    }
    if args.database == "postgres":
        env["PEER_DATABASE_URL"] = _pg_recreate(args.pg_url, args.pg_database + "_peer")
    else:
        (workdir / "peer").mkdir()
        env["PEER_DATABASE_URL"] = f"sqlite:///{workdir / 'peer' / 'peer.sqlite3'}"
    run_checked([sys.executable, "-m", "django", "migrate", "-v", "0"], env)
    run_checked(
        [sys.executable, "-c", "import django; django.setup()\n" + SEED_PEER, str(USERS)], env
    )
    popens = serve_peer("python3_saml_sp", ports, env, args, workdir)
    return Servers(popens), Target("python3-saml", ports, "/login", "/me")


def serve_peer(package: str, ports, env: dict, args, workdir: Path) -> list:
    """Serve a peer's WSGI application under gunicorn with the product's settings, one master per port."""
    options = gunicorn_settings(args.workers, args.threads)
    popens = []
    for port in ports:
        log = workdir / f"{package}-{port}.log"
        cmd = [sys.executable, "-m", "gunicorn", f"{package}.wsgi:application"]
        cmd += ["--bind", f"127.0.0.1:{port}", "--workers", str(options["workers"])]
        cmd += ["--threads", str(options["threads"]), "--worker-class", options["worker_class"]]
        cmd += ["--keep-alive", str(options["keepalive"]), "--timeout", str(options["timeout"])]
        if options.get("preload_app"):
            cmd.append("--preload")
        popen = subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        wait_listening(port, popen, log)
        popens.append(popen)
    return popens


def start_empty(args, workdir: Path) -> tuple[Servers, Target]:
    """The empty site (peers/empty_sp): the same exchanges with no work, what the stack alone costs."""
    ports = tuple(free_port() for _ in range(args.instances))
    env = {
        **os.environ,
        "PYTHONPATH": str(HERE / "peers"),
        "DJANGO_SETTINGS_MODULE": "empty_sp.settings",
        "PEER_SECRET_KEY": "benchmark-" + os.urandom(16).hex(),
        "PEER_BASE_URL": f"http://127.0.0.1:{ports[0]}",
        "PEER_IDP_SSO_URL": Scenario(tenant_id=IDP_TENANT).sso_url,
    }
    popens = serve_peer("empty_sp", ports, env, args, workdir)
    return Servers(popens), Target(EMPTY, ports, "/login", "/me")


# --------------------------------------------------------------------------- report


def _row(name: str, r: dict) -> str:
    return (
        f"{name:<13} {r['rate']:7.1f}/s  sign-in p50 {r['p50']:6.1f} p95 {r['p95']:6.1f} "
        f"p99 {r['p99']:6.1f} ms  ACS p50 {r['acs50']:5.1f} p95 {r['acs95']:6.1f} "
        f"p99 {r['acs99']:6.1f} ms  errors {r['errors']}  CPU {r['cpu_ms']:5.1f} ms/sign-in (system {r['sys_cpu_ms']:.1f})  "
        f"peak RSS {r['rss'] / 2**20:6.1f} MiB  (load generator CPU {r['client_cpu_ms']:4.1f} ms/sign-in)"
    )


def _median(rounds: list[dict]) -> dict:
    out = {}
    for key in rounds[0]:
        values = [r[key] for r in rounds]
        if key == "error_kinds":
            merged: dict = {}
            for v in values:
                for k, n in v.items():
                    merged[k] = merged.get(k, 0) + n
            out[key] = merged
        elif key in ("errors", "signins"):
            out[key] = sum(values)
        elif key == "rss":
            out[key] = max(values)
        else:
            out[key] = statistics.median(values)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10, help="virtual users (default 10)")
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per round")
    parser.add_argument(
        "--warmup",
        type=float,
        default=2.0,
        help="unmeasured seconds per round (and at least 4 sign-ins per server thread)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="rounds per contender (alternating)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--instances", type=int, default=1, help="server processes per contender")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument(
        "--threads", type=int, default=2, help="gunicorn threads per worker (serve's default)"
    )
    parser.add_argument(
        "--serve-option",
        action="append",
        default=[],
        help="extra option for `ssoconsole serve` (repeatable)",
    )
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--pg-database", default="signin_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--only", choices=("ssoconsole", "python3-saml"), help="one contender")
    parser.add_argument(
        "--empty",
        action="store_true",
        help="add a third contender: the same gunicorn and Django answering the three requests "
        "with no work at all (peers/empty_sp), the ceiling of any Django SP on this machine",
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="servers on the first CPU, this load generator on the second (each contender then "
        "has one CPU of its own and the client's work does not take from it)",
    )
    args = parser.parse_args()

    # Stopped from outside (timeout, kill): still stop the servers in the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signer = Signer.generate()
    usernames = [f"user{i}@bench.example" for i in range(USERS)]
    load_avg = os.getloadavg()
    print(
        f"{args.clients} clients, {args.database}, {args.instances} instance(s) x "
        f"{args.workers} workers x {args.threads} threads, {args.rounds} x {args.seconds:.0f} s "
        f"rounds (+{args.warmup:.0f} s warm-up), {os.cpu_count()} CPUs, load average "
        f"{load_avg[0]:.1f} at start",
        flush=True,
    )
    contenders = []
    with tempfile.TemporaryDirectory(prefix="signin-bench-") as tmp:
        workdir = Path(tmp)
        try:
            if args.only != "python3-saml":
                contenders.append(start_product(args, signer, workdir))
            if args.only != "ssoconsole":
                contenders.append(start_peer(args, signer, workdir))
            if args.empty:
                contenders.append(start_empty(args, workdir))
            if args.pin:
                cpus = sorted(os.sched_getaffinity(0))
                if len(cpus) < 2:
                    raise SystemExit("--pin needs two CPUs")
                for servers, _ in contenders:
                    for pid in servers.pids():
                        # Every thread: affinity is per thread, and the workers' threads exist.
                        for task in os.listdir(f"/proc/{pid}/task"):
                            os.sched_setaffinity(int(task), {cpus[0]})
                os.sched_setaffinity(0, {cpus[1]})
                print(f"pinned: servers on CPU {cpus[0]}, load generator on CPU {cpus[1]}")
            results: dict[str, list[dict]] = {t.name: [] for _, t in contenders}
            for round_no in range(args.rounds):
                for servers, target in contenders:
                    r = asyncio.run(
                        load(
                            target,
                            clients=args.clients,
                            seconds=args.seconds,
                            warmup=args.warmup,
                            warm_signins=4 * args.instances * args.workers * args.threads,
                            signer=signer,
                            usernames=usernames,
                            procs=servers,
                        )
                    )
                    results[target.name].append(r)
                    print(f"  round {round_no + 1}: " + _row(target.name, r), flush=True)
                    if r["error_kinds"]:
                        print(f"    errors: {r['error_kinds']}", flush=True)
        finally:
            for servers, _ in contenders:
                servers.stop()
    print("median of the rounds:")
    medians = {name: _median(rounds) for name, rounds in results.items()}
    for name, r in medians.items():
        print("  " + _row(name, r))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    peer = medians.get("python3-saml")
    if peer and EMPTY in medians:
        empty = medians[EMPTY]
        print(
            f"sign-ins/s of the empty Django site vs python3-saml peer: "
            f"{empty['rate'] / peer['rate']:.1f}x (no Django + gunicorn SP can do better here)"
        )
        if "ssoconsole" in medians:
            own = medians["ssoconsole"]["cpu_ms"] - empty["cpu_ms"]
            print(
                f"server CPU per sign-in above the empty site's: ssoconsole {own:.1f} ms, "
                f"python3-saml peer {peer['cpu_ms'] - empty['cpu_ms']:.1f} ms"
            )
    if peer and "ssoconsole" in medians:
        ratio = medians["ssoconsole"]["rate"] / peer["rate"]
        print(f"sign-ins/s vs python3-saml peer: {ratio:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
