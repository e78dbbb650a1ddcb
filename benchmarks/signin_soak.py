"""A long run of whole sign-ins against ``ssoconsole serve``: memory, errors and the database over time.

Hand-run, not in CI (ten minutes by default). The same sign-ins as
``signin_load.py`` (its client, its product set-up, a new loopback source
address per sign-in), by ``--clients`` virtual users without a pause, in
consecutive windows of ``--every`` seconds; after each window a line with
the window's sign-ins/s, errors, p99, the servers' summed RSS and, on SQLite,
the size of the database file and of its write-ahead log. At the end, each
sign-in table's rows against the rows that are still live by that table's
own rule, so that growth beyond the live rows shows:

- sessions: not expired (the scheduler purges expired ones);
- started sign-ins: kept for a day after they expire (``sso.outstanding``),
  so after a soak of minutes every row is within its retention;
- consumed assertions: until the assertion's NotOnOrAfter plus the skew;
- audit events: kept (the audit log is not purged by sign-ins).

    benchmarks/run signin_soak.py                       # 20 clients, 10 minutes, SQLite, serve's defaults
    benchmarks/run signin_soak.py --minutes 1 --every 10
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import signal
import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import signin_load  # noqa: E402 - found on the path set above
from entra_response import Signer  # noqa: E402

TABLES = {
    "accounts_console_session": "expire_date > :now",
    "sso_signinrequest": "expires_at > :kept",
    "sso_consumedassertion": "expires_at > :now",
    "audit_auditevent": "1",
}


def _db_figures(db: Path) -> str:
    wal = Path(f"{db}-wal")
    size = db.stat().st_size if db.exists() else 0
    wal_size = wal.stat().st_size if wal.exists() else 0
    return f"database {size / 2**20:6.1f} MiB, WAL {wal_size / 2**20:5.1f} MiB"


def _rows(db: Path) -> list[tuple[str, int, int]]:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    params = {"now": now.isoformat(" "), "kept": (now - dt.timedelta(days=1)).isoformat(" ")}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        out = []
        for table, live in TABLES.items():
            if table in present:
                total = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                alive = conn.execute(
                    f"SELECT count(*) FROM {table} WHERE {live}", params
                ).fetchone()[0]
                out.append((table, total, alive))
        return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=30.0, help="seconds per reported window")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    # What signin_load.start_product reads: one SQLite instance with serve's defaults.
    setup = argparse.Namespace(
        instances=1,
        workers=args.workers,
        threads=args.threads,
        database="sqlite",
        serve_option=[],
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signer = Signer.generate()
    usernames = [f"user{i}@bench.example" for i in range(signin_load.USERS)]
    print(
        f"soak: {args.clients} clients for {args.minutes:g} min, windows of {args.every:g} s, "
        f"{args.workers} workers x {args.threads} threads, SQLite, load average "
        f"{os.getloadavg()[0]:.1f} at start",
        flush=True,
    )
    windows = max(1, round(args.minutes * 60 / args.every))
    rss: list[float] = []
    errors = 0
    with tempfile.TemporaryDirectory(prefix="signin-soak-") as tmp:
        workdir = Path(tmp)
        servers, target = signin_load.start_product(setup, signer, workdir)
        db = workdir / "product" / "ssoconsole.sqlite3"
        try:
            for n in range(windows):
                r = asyncio.run(
                    signin_load.load(
                        target,
                        clients=args.clients,
                        seconds=args.every,
                        warmup=2.0 if n == 0 else 0.0,
                        warm_signins=4 * args.workers * args.threads if n == 0 else 0,
                        signer=signer,
                        usernames=usernames,
                        procs=servers,
                    )
                )
                rss.append(servers.rss_bytes() / 2**20)
                errors += r["errors"]
                print(
                    f"  {(n + 1) * args.every / 60:5.1f} min  {r['rate']:6.1f} sign-ins/s  "
                    f"p99 {r['p99']:6.1f} ms  errors {r['errors']}  RSS {rss[-1]:6.1f} MiB  "
                    f"CPU {r['cpu_ms']:4.1f} ms/sign-in  {_db_figures(db)}",
                    flush=True,
                )
                if r["error_kinds"]:
                    print(f"    errors: {r['error_kinds']}", flush=True)
            rows = _rows(db)
        finally:
            servers.stop()
    print("rows at the end (all / live by the table's own rule):")
    for table, total, alive in rows:
        print(f"  {table:<28} {total:8d} / {alive:8d}")
    later = rss[len(rss) // 2 :]
    growth = (later[-1] - later[0]) / later[0] * 100 if later and later[0] else 0.0
    print(
        f"errors {errors}; RSS {rss[0]:.1f} MiB after the first window, {rss[-1]:.1f} MiB at the end "
        f"({growth:+.1f} % over the second half); load average {os.getloadavg()[0]:.1f} at the end"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
