"""An office behind one NAT address: how many whole SSO sign-ins get through, and how many are refused (429).

The issue that redesigned the throttles measured it this way: ten clients
signing in 200 distinct users from one address for 30 s. Both contenders are
``ssoconsole serve`` in the same run, alternating rounds on a fresh database:

* ``previous rule``: the SSO-start limit as it was (120 starts per address per
  15 minutes, counted as a fixed number), set through its variable as a burst
  of 120 that refills 120 per 900 s;
* ``current rates``: the shipped defaults (a burst of 300, then 5 per second).

Every virtual user uses the same source address (127.0.0.50), so all of them
are "the office". Printed per contender: sign-ins, refusals by step, and the
ratio of sign-ins current/previous.

    benchmarks/run office_throttle.py
    benchmarks/run office_throttle.py --clients 10 --users 200 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from pathlib import Path

import signin_load as bench
from entra_response import Signer

OFFICE = "127.0.0.50"
CONTENDERS = {
    "previous rule": "120/900,120",
    "current rates": None,
}


async def office(target, *, clients: int, seconds: float, usernames, signer) -> bench.Tally:
    tally = bench.Tally()
    stop_at = time.monotonic() + seconds

    async def user() -> None:
        while time.monotonic() < stop_at:
            await bench.sign_in(target, OFFICE, random.choice(usernames), signer, tally)

    await asyncio.gather(*(user() for _ in range(clients)))
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    # What bench.start_product reads: one SQLite instance, no extra serve options.
    args.instances, args.database, args.serve_option = 1, "sqlite", []
    signer = Signer.generate()
    usernames = [f"user{i}@bench.example" for i in range(args.users)]
    results = {}
    for name, limit in CONTENDERS.items():
        saved = os.environ.pop("SSOCONSOLE_LIMIT_SSO_START_ADDRESS", None)
        if limit:
            os.environ["SSOCONSOLE_LIMIT_SSO_START_ADDRESS"] = limit
        with tempfile.TemporaryDirectory(prefix="office-") as tmp:
            servers, target = bench.start_product(args, signer, Path(tmp))
            try:
                tally = asyncio.run(
                    office(
                        target,
                        clients=args.clients,
                        seconds=args.seconds,
                        usernames=usernames,
                        signer=signer,
                    )
                )
            finally:
                servers.stop()
        os.environ.pop("SSOCONSOLE_LIMIT_SSO_START_ADDRESS", None)
        if saved is not None:
            os.environ["SSOCONSOLE_LIMIT_SSO_START_ADDRESS"] = saved
        results[name] = tally
        refused = sum(v for k, v in tally.errors.items() if " 429" in k)
        print(
            f"{name:>14}: {len(tally.signins):5d} sign-ins, {refused:5d} refused (429), "
            f"other errors {sum(tally.errors.values()) - refused} "
            f"({args.clients} clients, {args.users} users, one address, {args.seconds:.0f} s)",
            flush=True,
        )
    before, after = (len(results[n].signins) for n in CONTENDERS)
    print(f"sign-ins current rates vs previous rule: {after / max(1, before):.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
