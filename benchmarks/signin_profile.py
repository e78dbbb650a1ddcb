"""Where a sign-in's server time goes: the three steps in one process, timed and profiled.

``signin_load.py`` measures the served product from outside; this runs the
same sign-in (login GET, ACS POST, /api/v1/me) through Django's test
client in this process, against a fresh SQLite database, so that the CPU
time of each step can be read without the load generator's share and a
cProfile can say which functions it goes to.

    benchmarks/run signin_profile.py                 # CPU ms per step, median of 5 x 100 sign-ins
    benchmarks/run signin_profile.py --profile 30    # plus the 30 costliest functions (cumulative)
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import datetime as dt
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signins", type=int, default=100, help="sign-ins per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print N functions")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="signin-profile-")
    os.environ.update(
        SSOCONSOLE_DATA_DIR=tmp,
        SSOCONSOLE_BASE_URL="http://127.0.0.1:8000",
        DJANGO_SETTINGS_MODULE="ssoconsole.settings",
    )
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    import signin_load
    from django.core.management import call_command
    from django.test import Client
    from entra_response import Scenario, Signer, build_response

    call_command("migrate", verbosity=0)
    signer = Signer.generate()
    from ssoconsole.accounts.models import User
    from ssoconsole.sso.providers import create_provider
    from ssoconsole.tenancy.services import create_org, create_tenant, set_org_sso

    tenant = create_tenant("Bench", actor_label="benchmark")
    org = create_org(tenant, "SSO")
    provider = create_provider(
        tenant, "Entra ID", metadata_xml=signin_load.idp_metadata(signer).encode()
    )
    set_org_sso(org, "provider", provider.id)
    User.objects.bulk_create(
        User(tenant=tenant, org=org, username=f"user{i}@bench.example") for i in range(100)
    )

    client = Client()  # one handler, as in a server process; a fresh cookie jar per sign-in

    def one(i: int, times: dict) -> None:
        client.cookies.clear()
        client.defaults["REMOTE_ADDR"] = f"127.1.{i // 250}.{i % 250 + 1}"
        username = f"user{i % 100}@bench.example"
        t = time.process_time()
        r = client.get("/login", {"username": username})
        times["login"].append(time.process_time() - t)
        request, relay = signin_load._authn_request(r["Location"])
        xml = build_response(
            signer,
            Scenario(
                tenant_id=signin_load.IDP_TENANT,
                sp_entity_id=request["issuer"],
                acs_url=request["acs"],
                request_id=request["id"],
                user=username,
            ),
            issued=dt.datetime.now(dt.UTC),
        )
        form = {"SAMLResponse": base64.b64encode(xml).decode(), "RelayState": relay}
        t = time.process_time()
        r = client.post(urlsplit(request["acs"]).path, form)
        times["acs"].append(time.process_time() - t)
        assert r.status_code == 303, r.content[:300]
        t = time.process_time()
        r = client.get("/api/v1/me")
        times["me"].append(time.process_time() - t)
        assert r.status_code == 200

    n = 0
    for _ in range(20):  # warm-up: first-use key generation, caches, imports
        one(n, {"login": [], "acs": [], "me": []})
        n += 1
    medians: dict[str, list[float]] = {"login": [], "acs": [], "me": []}
    for _ in range(args.rounds):
        times: dict[str, list[float]] = {"login": [], "acs": [], "me": []}
        for _ in range(args.signins):
            one(n, times)
            n += 1
        for step, values in times.items():
            medians[step].append(statistics.median(values) * 1000)
    total = 0.0
    for step, values in medians.items():
        m = statistics.median(values)
        total += m
        print(f"{step:<6} {m:6.2f} ms CPU (median per request, median of {args.rounds} rounds)")
    print(f"sign-in {total:5.2f} ms CPU in the server's code path (no gunicorn, no HTTP parsing)")
    if args.profile:
        profiler = cProfile.Profile()
        times = {"login": [], "acs": [], "me": []}
        profiler.enable()
        for _ in range(args.signins):
            one(n, times)
            n += 1
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats("ssoconsole|middleware|ninja", args.profile)
        stats.print_callees("find_request")
        stats.sort_stats("tottime").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
