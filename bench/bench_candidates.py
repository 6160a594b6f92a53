"""Duplicate candidates at enrolment on a registry bench.bench_scale imported, against the code before, alternately in
one run (read only: the database is neither written nor dropped).

    .venv/bin/python -m bench.bench_scale --residents 5000000 --phase import --database sampark_bench_dups_5m
    git show main:crm/residents/enrollment/matching.py > /tmp/matching_before.py
    .venv/bin/python -m bench.bench_candidates --database sampark_bench_dups_5m --before /tmp/matching_before.py

The 300 enrolments of bench_scale's `--only matching` measure (bench_scale.enrolment_queries with its seed 32:
residents with a date of birth, each re-entered as bench_matching.variant types them). Each query is searched by
the code before (--before: a copy of crm/residents/enrollment/matching.py of an earlier commit, loaded beside this
one; it must run on the database's schema) and by this code, in turn, the first of the two alternating from query
to query, after WARM searches each. For every search: wall ms, the Python thread's CPU (time.thread_time), the
PostgreSQL backend's CPU (/proc; its clock ticks are 10 ms, so only the sum over all searches means much), the
statements sent, the rows they returned, and whether the original was among the candidates. Then EXPLAIN (ANALYZE,
BUFFERS) of every statement of the first EXPLAINED searches: shared buffers touched and server time. Which indexes
patient has is printed with the figures (the code after reads its namesakes by date of birth in the index of
migration 0034; on a database without it, PostgreSQL reads them from the older index).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import event, text

from bench.bench_lookup import OUT, bench_app, database_url, machine
from bench.bench_scale import enrolment_queries
from bench.bench_worklist import load_before, p95
from crm.platform.extensions import db
from crm.residents.enrollment import matching

WARM, EXPLAINED, SEED = 20, 30, 32  # SEED: bench_scale's, so `--only matching` measures the same enrolments
TICK = os.sysconf("SC_CLK_TCK")


class Statements:
    """The statements sent and the rows they returned while `on`."""

    def __init__(self):
        self.on, self.sent, self.rows = False, [], 0
        event.listen(db.engine, "after_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            self.sent.append((statement, parameters))
            self.rows += max(cursor.rowcount, 0)


def _backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def search_once(module, query, statements: Statements, pid: int) -> dict:
    """One search by `module.candidates`, its figures and the ids it returned."""
    statements.sent.clear()
    statements.rows, statements.on = 0, True
    backend = _backend_cpu(pid)
    started, cpu = time.perf_counter_ns(), time.thread_time_ns()
    found = module.candidates(query)
    wall, cpu = (time.perf_counter_ns() - started) / 1e6, (time.thread_time_ns() - cpu) / 1e6
    statements.on = False
    db.session.rollback()
    return {"wall": wall, "cpu": cpu, "backend": (_backend_cpu(pid) - backend) * 1e3, "rows": statements.rows,
            "statements": len(statements.sent), "ids": [m.patient_id for m in found], "sent": list(statements.sent)}


def explain(conn: psycopg.Connection, sent: list) -> tuple[float, int]:
    """Server ms and shared buffers (hit + read) of the statements of one search, each under EXPLAIN ANALYZE."""
    total, buffers = 0.0, 0
    for statement, parameters in sent:
        plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) " + statement,
                            parameters).fetchone()[0][0]
        total += plan["Execution Time"]
        buffers += plan["Plan"].get("Shared Hit Blocks", 0) + plan["Plan"].get("Shared Read Blocks", 0)
    conn.rollback()
    return total, buffers


def measure(app, url: str, before: Path | None) -> dict:
    """Both codes over the same enrolments, alternating; the figures of each."""
    codes = {"after": matching} | ({"before": load_before(before, "matching_before")} if before else {})
    with app.app_context():
        queries, originals = enrolment_queries(random.Random(SEED))
        statements = Statements()
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        indexes = db.session.scalars(text("SELECT indexdef FROM pg_indexes WHERE tablename = 'patient' "
                                          "AND indexname LIKE 'ix_patient_name_fold%'")).all()
        db.session.rollback()
        for _, query in queries[:WARM]:
            for module in codes.values():
                module.candidates(query)
                db.session.rollback()
        samples: dict[str, list[dict]] = {name: [] for name in codes}
        load_before_run = Path("/proc/loadavg").read_text().split()[:3]
        for n, (patient_id, query) in enumerate(queries):
            order = list(codes) if n % 2 == 0 else list(reversed(codes))
            for name in order:
                sample = search_once(codes[name], query, statements, pid)
                sample["hit"] = patient_id in sample["ids"]
                sample["patient_id"], sample["query"] = patient_id, f"{query.name} {query.dob}"
                samples[name].append(sample)
        load_after_run = Path("/proc/loadavg").read_text().split()[:3]
    result: dict = {"queries": len(queries), "indexes": indexes, "load": [load_before_run, load_after_run],
                    "machine": machine(float(load_before_run[0]))}
    with psycopg.connect(url) as conn:
        explained_by = {name: [explain(conn, s["sent"]) for s in runs[:EXPLAINED]] for name, runs in samples.items()}
    for name, runs in samples.items():
        explained = explained_by[name]
        result[name] = {
            "median": statistics.median(s["wall"] for s in runs), "p95": p95([s["wall"] for s in runs]),
            "max": max(s["wall"] for s in runs),
            "cpu_median": statistics.median(s["cpu"] for s in runs), "cpu_p95": p95([s["cpu"] for s in runs]),
            "backend_mean": sum(s["backend"] for s in runs) / len(runs),
            "statements": statistics.median(s["statements"] for s in runs),
            "rows_median": statistics.median(s["rows"] for s in runs), "rows_max": max(s["rows"] for s in runs),
            "explain_ms_median": statistics.median(e[0] for e in explained),
            "buffers_median": statistics.median(e[1] for e in explained),
            "found": sum(s["hit"] for s in runs),
            "missed": [f"{originals[s['patient_id']]} -> {s['query']}" for s in runs if not s["hit"]][:8],
        }
    if "before" in samples:
        pairs = list(zip(samples["before"], samples["after"], strict=True))
        result["found_by_before_only"] = sum(b["hit"] and not a["hit"] for b, a in pairs)
        result["found_by_after_only"] = sum(a["hit"] and not b["hit"] for b, a in pairs)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", required=True, help="a database bench.bench_scale imported (read only)")
    parser.add_argument("--before", type=Path, help="an earlier commit's crm/residents/enrollment/matching.py")
    args = parser.parse_args()
    url = database_url(args.database)
    app = bench_app(url, OUT / "instance")
    result = measure(app, url, args.before) | {
        "database": args.database, "command": ".venv/bin/python -m bench.bench_candidates " + " ".join(sys.argv[1:])}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"candidates-{args.database}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    print("| code | median ms | p95 ms | thread CPU median / p95 ms | backend CPU ms (mean) | statements | rows read "
          "median / max | EXPLAIN ms / buffers (median) | original found |")
    print("|---|---:|---:|---|---:|---:|---|---|---:|")
    for name in ("before", "after"):
        if name in result:
            r = result[name]
            print(f"| {name} | {r['median']:.1f} | {r['p95']:.1f} | {r['cpu_median']:.1f} / {r['cpu_p95']:.1f} | "
                  f"{r['backend_mean']:.1f} | {r['statements']:.0f} | {r['rows_median']:.0f} / {r['rows_max']} | "
                  f"{r['explain_ms_median']:.2f} / {r['buffers_median']:.0f} | {r['found']}/{result['queries']} |")


if __name__ == "__main__":
    main()
