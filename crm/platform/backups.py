"""Backups a restore has been proved from: `flask backup create` and `flask backup drill`.

`create` writes a pg_dump (custom format) of the database and, beside it, a manifest taken in the same snapshot:
the row count of every table, the newest case and the newest card. `drill` restores the newest backup of a folder
into a scratch database, checks it against its manifest (every count, the newest case, a card lookup by number)
and drops the scratch database: a backup nobody has restored is a hope, not a backup.

These are logical backups, for a daily copy and for this drill. Point-in-time recovery (base backups with
pg_basebackup and WAL archiving) is PostgreSQL's own; README "Operations" says how.
"""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

MANIFEST = ".manifest.json"
DUMP = ".dump"
# One card looked up in the restored copy as a desk would: by its printed number, with its patient.
CARD_LOOKUP = sql.SQL("SELECT c.status, p.id FROM health_card c JOIN patient p ON p.id = c.patient_id "
                      "WHERE c.number = %s")


class DrillFailed(Exception):
    """The restored copy differs from what was backed up."""


def libpq_url(url: str) -> str:
    """The libpq form of a SQLAlchemy URL (pg_dump and psycopg read it)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def create(url: str, folder: Path) -> Path:
    """Dump the database at `url` into `folder` with its manifest; returns the dump's path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    dump = folder / f"sampark-{stamp}{DUMP}"
    with psycopg.connect(url, autocommit=False) as connection:
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        manifest = _facts(connection)  # in the snapshot pg_dump reads
        subprocess.run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", url],
                       check=True, capture_output=True, text=True)
    manifest |= {"taken_at": stamp, "dump": dump.name}
    dump.with_suffix(MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return dump


def latest(folder: Path) -> Path:
    """The newest dump in `folder` that has its manifest."""
    dumps = sorted(p for p in folder.glob(f"sampark-*{DUMP}") if p.with_suffix(MANIFEST).exists())
    if not dumps:
        raise DrillFailed(f"no backup with a manifest in {folder}")
    return dumps[-1]


def drill(url: str, folder: Path) -> dict:
    """Restore the newest backup of `folder` into a scratch database on the server of `url`, check it against its
    manifest and drop the scratch database. Returns the report; raises DrillFailed naming every difference."""
    dump = latest(folder)
    expected = json.loads(dump.with_suffix(MANIFEST).read_text())
    scratch = f"sampark_restore_drill_{int(time.time())}"
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    scratch_url = psycopg.conninfo.make_conninfo(url, dbname=scratch)
    started = time.monotonic()
    try:
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={scratch_url}", str(dump)],
                       check=True, capture_output=True, text=True)
        with psycopg.connect(scratch_url) as restored:
            found = _facts(restored)
            card = expected.get("newest_card")
            looked_up = restored.execute(CARD_LOOKUP, (card["number"],)).fetchone() if card else None
    finally:
        with psycopg.connect(admin, autocommit=True) as server:
            server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
    problems = [f"{table}: {expected['rows'][table]} rows backed up, {found['rows'].get(table)} restored"
                for table in expected["rows"] if found["rows"].get(table) != expected["rows"][table]]
    if found["newest_case"] != expected["newest_case"]:
        problems.append(f"newest case: backed up {expected['newest_case']}, restored {found['newest_case']}")
    if card and (looked_up is None or [looked_up[0], looked_up[1]] != [card["status"], card["patient_id"]]):
        problems.append(f"card lookup of the newest card: expected {card['status']} of patient {card['patient_id']}, "
                        f"found {looked_up}")
    report = {"backup": dump.name, "taken_at": expected["taken_at"], "tables": len(expected["rows"]),
              "rows": sum(expected["rows"].values()), "newest_case": found["newest_case"],
              "card_lookup": "ok" if card and not any("card" in p for p in problems) else ("none" if not card else "failed"),
              "restore_seconds": round(time.monotonic() - started, 1), "problems": problems}
    if problems:
        raise DrillFailed(json.dumps(report, indent=1))
    return report


def _facts(connection) -> dict:
    tables = [row[0] for row in connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
    rows = {t: connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
            for t in tables}
    newest_case = connection.execute('SELECT id, status, created_at::text FROM "case" ORDER BY id DESC LIMIT 1'
                                     ).fetchone() if "case" in rows else None
    card = connection.execute("SELECT number, status, patient_id FROM health_card ORDER BY id DESC LIMIT 1"
                              ).fetchone() if "health_card" in rows else None
    return {"rows": rows, "newest_case": list(newest_case) if newest_case else None,
            "newest_card": {"number": card[0], "status": card[1], "patient_id": card[2]} if card else None}
