"""The app server chosen by measurement: gunicorn (gthread, sync) and granian (WSGI) side by side.

    .venv/bin/python -m bench.appservers [--servers gunicorn-gthread,gunicorn-sync,granian]
                                         [--parents 8000] [--seats 2400]

Each server in turn, on the same machine in the same run, serves the same work on a fresh copy of
the city: /healthz (one SELECT 1), GET /api/v1/me/ (the signed-in floor) and a general-access rush
(bench.rush, smaller than the full one so that three fit in a run). Prints one table, the server's
CPU per request of each kind, and which server answered the most claims per second. The rush's
invariants are checked for each; the exit status is 0 when every run kept them.
"""

import argparse
import os
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import city_template, log
from bench.rush import measure_mode, server_config
from bench.server import APP_SERVERS


def table(rows: list[dict]) -> str:
    lines = [
        "| app server | /healthz /s | /api/v1/me/ /s | claims/s | claim p99 ms | claims ÷ /me/ "
        "| CPU ms: /healthz, /me/, claim | load before → after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        healthz, me, claims = row["healthz"], row["me"], row["claims"]
        lines.append(
            f"| {row['app_server']} | {healthz['rate']:,.0f} | {me['rate']:,.0f} | {claims['rate']:,.1f} "
            f"| {claims['p99']:,.0f} | {claims['rate'] / me['rate']:.2f} "
            f"| {healthz['cpu_ms']:.2f}, {me['cpu_ms']:.2f}, {claims['cpu_ms']:.2f} "
            f"| {row['load'][0]:.1f} → {row['load'][1]:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", default=",".join(APP_SERVERS), help="comma-separated, in the order run")
    parser.add_argument("--parents", type=int, default=8000)
    parser.add_argument("--seats", type=int, default=2400)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--retries", type=int, default=12)
    parser.add_argument("--healthz-requests", type=int, default=12000)
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="indigo_bench_appservers")
    args = parser.parse_args(argv)
    args.invariants_only = False
    servers = [name.strip() for name in args.servers.split(",") if name.strip()]
    unknown = set(servers) - set(APP_SERVERS)
    if unknown:
        parser.error(f"unknown app servers {sorted(unknown)}; choose from {', '.join(APP_SERVERS)}")
    template = city_template(args.scale)
    rows = []
    for name in servers:
        os.environ["BENCH_APP_SERVER"] = name
        config = server_config(args.port)
        log(f"== {name} ==")
        rows.append(measure_mode("general", args, template, config))
    print("\n== app servers, side by side (general rush) ==")
    print(table(rows))
    best = max(rows, key=lambda row: row["claims"]["rate"])
    for row in rows:
        print(f"{row['app_server']}: {row['server']}")
    print(f"\nmost claims/s: {best['app_server']}")
    kept = all(
        row["checks"]["double_seats"] == 0
        and row["checks"]["double_children"] == 0
        and row["checks"]["lost_acknowledged"] == 0
        and row["checks"]["placed"] == row["checks"]["seats"]
        for row in rows
    )
    print(f"{'PASS' if kept else 'FAIL'}  invariants kept by every server")
    return 0 if kept else 1


if __name__ == "__main__":
    sys.exit(main())
