"""The unchanged re-import of a registry file, this checkout's code against the code before, alternately.

    .venv/bin/python -m bench.bench_reimport --database sampark_bench_20m --file /tmp/registry-20m.csv \\
        --before /tmp/before --rounds 2

The database must already hold the file (bench.bench_scale --phase import --no-reimport loads it). --before is
a checkout of the code before (`git worktree add /tmp/before <commit>`). Each round re-imports the file once
with each code, the order alternating, every run in its own process (`--one`, with the checkout it measures
first on PYTHONPATH) through `crm.residents.registry.import_file` as `flask registry import` calls it, its
row-checking workers forked as its children so that their CPU is counted (bench.bench_registry.importer_cpu).
Each run prints its wall time, the importer's CPU (workers included), the PostgreSQL backend's CPU, the stages,
and whether any row of patient or household was written (none may be: the file is unchanged).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def one(database: str, path: Path, workers: int | None) -> dict:
    """One re-import in this process, by whichever code is first on the path."""
    from sqlalchemy import text

    from bench import bench_registry
    from bench.bench_lookup import bench_app, database_url
    from crm.platform.extensions import db
    from crm.residents.registry import reading

    reading.pool_context = lambda: multiprocessing.get_context("fork")  # workers as children: their CPU counts
    with tempfile.TemporaryDirectory(prefix="sampark-bench-reimport-") as tmp:
        app = bench_app(database_url(database), Path(tmp) / "instance")
        with app.app_context():
            xid = db.session.scalar(text("SELECT txid_current()"))
            db.session.commit()
            out = bench_registry.run_import(path, Path(tmp), "copy", "again", workers=workers)
            written = [db.session.scalar(text(f"SELECT count(*) FROM {table} WHERE xmin::text::bigint > :xid"),
                                         {"xid": xid % 2**32}) for table in ("patient", "household")]
    s = out["summary"]
    return {"seconds": out["seconds"], "cpu": out["cpu"], "server": out["server"], "stages": out["stages"],
            "read": s.read, "created": s.created, "updated": s.updated, "unchanged": s.unchanged,
            "rejected": s.rejected, "rows_written": written}


def run(checkout: Path, args) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    command = [sys.executable, str(Path(__file__).resolve()), "--one", "--database", args.database,
               "--file", str(args.file)] + (["--workers", str(args.workers)] if args.workers else [])
    load = os.getloadavg()[0]
    done = subprocess.run(command, env=env, cwd=checkout, check=False, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the re-import with {checkout} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result | {"load_before": load, "load_after": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--file", type=Path, required=True)
    parser.add_argument("--before", type=Path, help="a checkout of the code before")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.database, args.file, args.workers)), flush=True)
        return
    codes = [("after", HERE)] + ([("before", args.before)] if args.before else [])
    print(f"nproc {os.cpu_count()}; load {' '.join(Path('/proc/loadavg').read_text().split()[:3])}; "
          f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}", flush=True)
    for number in range(args.rounds):
        for label, checkout in codes if number % 2 else codes[::-1]:
            r = run(checkout, args)
            stages = ", ".join(f"{k} {v:.0f}" for k, v in r["stages"].items())
            print(f"round {number + 1} {label}: {r['seconds']:.0f} s ({r['seconds'] / 60:.1f} min), importer CPU "
                  f"{r['cpu']:.0f} s, server CPU {r['server'] or 0:.0f} s; read {r['read']:,}, created "
                  f"{r['created']:,}, updated {r['updated']:,}, unchanged {r['unchanged']:,}, rejected "
                  f"{r['rejected']:,}; rows written (patient, household) {r['rows_written']}; stages {stages}; "
                  f"load {r['load_before']:.1f} -> {r['load_after']:.1f}", flush=True)


if __name__ == "__main__":
    main()
