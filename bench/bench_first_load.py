"""A first registry import into an empty database, with patient's indexes and keys built after the rows
(registry.first_load, "after") or maintained row by row (the ordinary path, "before"), alternately.

    .venv/bin/python -m bench.registry_file --rows 1000000 --out /tmp/imp-1m.csv
    .venv/bin/python -m bench.bench_first_load --file /tmp/imp-1m.csv --code after --code before

Each import goes into a freshly created and migrated database `sampark_bench_first_load` (dropped after), through
`crm.residents.registry.import_file` (COPY path), and prints one JSON line: wall seconds, the stages, the CPU
seconds of the importing process, of the PostgreSQL backend that served it and of the parallel workers PostgreSQL
started for the index builds (read from /proc every 0.1 s while they lived, so a little under their total), the
load average before and after, and the backend's wait events sampled every 0.5 s (CPU = no wait event).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg
from flask_migrate import upgrade
from sqlalchemy import text

from bench.bench_lookup import SERVER_URL, bench_app, ensure_database
from bench.bench_registry import TICK, close, run_import
from crm.platform.extensions import db
from crm.residents.registry import reading

DATABASE = "sampark_bench_first_load"


def _cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


class Watch:
    """A thread that samples the import's backend: its wait events, and its parallel workers' CPU."""

    def __init__(self, url: str, pid: int) -> None:
        self.url, self.pid, self.waits, self.workers, self.stop = url, pid, Counter(), {}, False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            tick = 0
            while not self.stop:
                for (worker,) in conn.execute("SELECT pid FROM pg_stat_activity WHERE leader_pid = %s AND pid <> %s",
                                              (self.pid, self.pid)).fetchall():
                    if (seconds := _cpu(worker)) is not None:
                        self.workers[worker] = max(self.workers.get(worker, 0.0), seconds)
                if tick % 5 == 0:
                    row = conn.execute("SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), left(query, 40) "
                                       "FROM pg_stat_activity WHERE pid = %s", (self.pid,)).fetchone()
                    if row:
                        self.waits[row] += 1
                tick += 1
                time.sleep(0.1)

    def finish(self) -> None:
        self.stop = True
        self.thread.join()


def one(path: Path, code: str, workers: int | None) -> dict:
    """One first import with the code asked for ("after": first_load; "before": the ordinary path)."""
    url = ensure_database(DATABASE, fresh=True)
    with tempfile.TemporaryDirectory(prefix="sampark-first-load-") as tmp:
        app = bench_app(url, Path(tmp) / "instance")
        with app.app_context():
            upgrade()
            watch = Watch(url, db.session.scalar(text("SELECT pg_backend_pid()")))
            load = [Path("/proc/loadavg").read_text().split()[:3]]
            out = run_import(path, Path(tmp), "copy", f"first-load-{code}", workers=workers, first_load=code == "after")
            watch.finish()
            load.append(Path("/proc/loadavg").read_text().split()[:3])
        close(app)
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    s = out["summary"]
    return {"code": code, "rows": s.read, "seconds": round(out["seconds"], 1), "cpu_importer": round(out["cpu"], 1),
            "cpu_server": round(out["server"] or 0, 1), "cpu_parallel_workers": round(sum(watch.workers.values()), 1),
            "stages": {k: round(v, 1) for k, v in out["stages"].items()}, "created": s.created, "rejected": s.rejected,
            "households": s.households_created, "load": load,
            "waits": [[f"{n * 0.5:.1f} s", *key] for key, n in watch.waits.most_common(8)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--file", type=Path, required=True, help="a file bench.registry_file wrote")
    parser.add_argument("--code", choices=("after", "before"), action="append", help="in this order (after, before)")
    parser.add_argument("--workers", type=int, help="row-checking processes (default: import_file decides)")
    args = parser.parse_args()
    reading.pool_context = lambda: multiprocessing.get_context("fork")  # workers as children: their CPU counts
    for code in args.code or ("after", "before"):
        print(json.dumps(one(args.file, code, args.workers)), flush=True)


if __name__ == "__main__":
    main()
