"""Every failure drill, one after another, on PostgreSQL: lost, duplicated and late for each; fails if any lost.

    python -m bench.drills.all                  # the drills, then a 30-minute soak
    python -m bench.drills.all --soak-minutes 2 --small   # a quick pass (smaller bursts, a short soak)

Drills (one at a time: each is CPU heavy): Redis outage, worker killed, database connections terminated (each
alone, bench/drills/sms_outage), web process killed with and without the fallback URL (web_killed), database
unreachable (db_unreachable), rq's scheduler after a Redis restart and a killed worker (scheduler), and a soak
with each process's memory (soak). Each drill's own ledger is printed as it ends; the summary follows.
"""

from __future__ import annotations

import argparse
import sys

from bench.drills import db_unreachable, scheduler, sms_outage, soak, web_killed


def _texts(ledger: dict) -> tuple[int, int, int]:
    return ledger["lost"] + ledger["left in limbo"], ledger["duplicated at Twilio"], ledger["late (advice over 60 s)"]


def _calls(ledger: dict) -> tuple[int, int, int]:
    pressed, queued = ledger["emergencies pressed / in the emergency queue"]
    return max(ledger["lost"], ledger["calls"] - ledger["stored"]) + pressed - queued, 0, 0


def _database(ledger: dict) -> tuple[int, int, int]:
    lost = ledger["lost"] + ledger["emergencies not with the doctors"] + ledger["fallback callers without a call-back"]
    return lost, ledger["duplicated at Twilio"], ledger["late"]


def _rounds(ledgers: list[dict]) -> tuple[int, int, int]:
    late = [r["late max s"] for r in ledgers if r["late max s"] is not None]
    return (sum(r["lost"] for r in ledgers), sum(r["duplicated"] for r in ledgers),
            sum(1 for value in late if value > 90))  # a retry more than 90 s after it was due


def _soak(ledger: dict) -> tuple[int, int, int]:
    return ledger["lost"], ledger["duplicated"], ledger["late (replies unsent after settling)"]


def main() -> int:
    """Run every drill; print the summary; 1 if any lost a contact."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--soak-minutes", type=float, default=30, help="the soak's length (default 30 minutes)")
    parser.add_argument("--small", action="store_true", help="smaller bursts (a check, not a measurement)")
    args = parser.parse_args()
    burst = ["--texts", "60", "--seconds", "15", "--outage", "6"] if args.small else []
    calls = ["--calls", "80", "--seconds", "15", "--down", "5"] if args.small else []
    mixed = ["--texts", "30", "--calls", "20", "--seconds", "20", "--down", "6"] if args.small else []
    drills = [
        ("Redis outage", lambda: _texts(sms_outage.main([*burst, "--disrupt", "redis"]))),
        ("worker killed", lambda: _texts(sms_outage.main([*burst, "--disrupt", "worker"]))),
        ("connections terminated", lambda: _texts(sms_outage.main([*burst, "--disrupt", "connections"]))),
        ("web killed, fallback URL set", lambda: _calls(web_killed.main(calls))),
        ("web killed, no fallback URL", lambda: _calls(web_killed.main([*calls, "--no-fallback"]))),
        ("database unreachable", lambda: _database(db_unreachable.main(mixed))),
        ("retry scheduler", lambda: _rounds(scheduler.main(["--jobs", "3" if args.small else "5"]))),
        (f"soak {args.soak_minutes:g} min", lambda: _soak(soak.main(["--minutes", str(args.soak_minutes)]))),
    ]
    summary = []
    for name, run in drills:
        print(f"=== {name}", flush=True)
        try:
            summary.append((name, *run()))
        except Exception as exc:  # noqa: BLE001 - one drill that breaks is reported, the others still run
            print(f"drill failed to run: {exc!r}", flush=True)
            summary.append((name, None, None, None))
    print(f"\n{'drill':32} {'lost':>5} {'duplicated':>11} {'late':>5}  result")
    for name, lost, duplicated, late in summary:
        verdict = "PASS" if lost == 0 else ("DID NOT RUN" if lost is None else "FAIL")
        print(f"{name:32} {lost!s:>5} {duplicated!s:>11} {late!s:>5}  {verdict}")
    return 0 if all(row[1] == 0 for row in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
