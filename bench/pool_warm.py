"""A step's statement on a connection just used, against one of 20 used in turn: what a FIFO pool's rotation costs.

Run from the repository root:

    .venv/bin/python -m bench.pool_warm            # 600 rounds, 5 ms apart (about what a web process sees at 100/s)

Each round opens a call (crm.cases.voice_sql.OPEN), takes it through the menu and a wait request, and writes the
floor's INSERT, once on the connection used for every round ("warm": what a LIFO pool lends at a steady rate) and
once on the next of 20 connections in turn ("rotated": what SQLAlchemy's default FIFO pool lends once it has grown
to 20), with `GAP` seconds between statements. synchronous_commit is off for both, so the commit's flush (the same
for both) does not hide the difference. Prints the median and 90th percentile of each round trip, in ms. Uses the
database `sampark_bench_voice` + SAMPARK_BENCH_NAME, created and migrated afresh.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import psycopg

from bench import bench_voice_webhook as bench

ROTATED = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", type=int, default=600, help="rounds")
    parser.add_argument("--gap", type=float, default=0.005, help="seconds between statements")
    args = parser.parse_args()
    url = bench.fresh_pg_database()
    with tempfile.TemporaryDirectory() as tmp:
        bench.migrated(url, Path(tmp) / "migrate")
    from sqlalchemy.dialects import postgresql

    from crm.cases import voice_sql
    from crm.models.base import utcnow
    from crm.platform.direct_sql import Direct

    dialect = postgresql.psycopg.dialect()
    opening, menu, waiting = Direct(voice_sql.OPEN, dialect), Direct(voice_sql.menu(), dialect), \
        Direct(voice_sql.waiting(), dialect)
    connections = [psycopg.connect(url, autocommit=True) for _ in range(ROTATED + 1)]
    for connection in connections:
        connection.execute("SET synchronous_commit = off")
    connections[0].execute("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, sid text NOT NULL, "
                           "heard_at timestamptz NOT NULL)")

    def timed(connection, direct, params) -> float:
        values = direct._values(params)
        cursor = psycopg.RawCursor(connection)
        started = time.perf_counter()
        cursor.execute(direct.raw, [values[name] for name in direct.order], prepare=True)
        cursor.fetchall()
        return (time.perf_counter() - started) * 1000

    leg = {"status": "in-progress", "rank": 2, "forward": True, "answering": True}
    out: dict[str, list[float]] = {}
    for k in range(args.n):
        for kind, connection in (("warm", connections[ROTATED]), ("rotated", connections[k % ROTATED])):
            sid, now = f"CA{kind[0]}{k:031d}", utcnow()
            for step, direct, params in (
                    ("open", opening, {"sid": sid, "caller": f"+9198{k:08d}", "called": "+911800112233",
                                       "now": now, "call_status": "ringing"}),
                    ("menu", menu, leg | {"sid": sid, "now": now, "language": "en", "proceeds": False}),
                    ("wait", waiting, leg | {"sid": sid, "now": now, "queue_sid": "QU1", "position": 3})):
                out.setdefault(f"{step} {kind}", []).append(timed(connection, direct, params))
                time.sleep(args.gap)
            started = time.perf_counter()
            connection.execute("INSERT INTO bench_floor (sid, heard_at) VALUES (%s, now())", (sid,), prepare=True)
            out.setdefault(f"floor {kind}", []).append((time.perf_counter() - started) * 1000)
            time.sleep(args.gap)
    for connection in connections:
        connection.close()
    for name, values in sorted(out.items()):
        values = sorted(values[len(values) // 10:])  # the first tenth prepares the statements
        print(f"{name:<14} median {statistics.median(values):6.3f} ms   p90 {values[int(len(values) * 0.9)]:7.3f} ms")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
