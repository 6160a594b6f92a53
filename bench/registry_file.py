"""Write a realistic registry export for the import benchmark (the file itself is never committed).

    .venv/bin/python -m bench.registry_file --rows 1000000 --out /tmp/delhi-1m.csv

Residents come from `crm.seed.demo.registry_rows` (households of 1 to 7, Hindi names, mobiles shared in a
family, voter ids for adults, 20% with an age instead of a date of birth). On top, what real exports
carry: mobiles written as "+91 98100 00001", "098100..." or "98100-00001"; old-format voter ids; heads
written "Head"; a share of bad rows a clerk must fix (empty name, impossible dates, short mobiles, a
registry id seen twice, a bad sex code), each kind in fixed proportion. `--changed F` writes the
same population with a fraction F of residents changed (mobile, address or household), for a re-import.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from crm.residents.registry import REQUIRED_COLUMNS
from crm.seed import demo

SEED = 42
TODAY = date(2026, 11, 25)
BAD_KINDS = (
    ("name", ""), ("dob", "31/02/1980"), ("dob", "2999-01-01"), ("mobile", "98100"), ("sex", "X"),
    ("registry_id", "DL 0000 1"), ("household_id", ""), ("age", "hundred"),
)


def rows(count: int, bad: float = 0.003, changed: float = 0.0, seed: int = SEED) -> Iterator[dict]:
    """`count` registry rows; `bad` of them rejectable, `changed` of the good ones edited since the last file."""
    rng, mess, edit = random.Random(seed), random.Random(seed + 1), random.Random(seed + 2)
    previous = None
    for number, row in enumerate(demo.registry_rows(count, rng, TODAY)):
        if number >= count:
            return
        _dress(row, mess)
        if changed and edit.random() < changed:
            _edit(row, edit)
        if mess.random() < bad:
            if previous and mess.random() < 0.15:
                row["registry_id"] = previous  # the same registry id twice
            else:
                column, value = mess.choice(BAD_KINDS)
                row[column] = value
                if column == "age":
                    row["dob"] = ""
        previous = row["registry_id"]
        yield row


def _dress(row: dict, rng: random.Random) -> None:
    """Formats a real export mixes: spaced and prefixed mobiles, old voter ids, 'Head'."""
    mobile, pick = row["mobile"], rng.random()
    if mobile and pick < 0.10:
        row["mobile"] = f"+91 {mobile[:5]} {mobile[5:]}"
    elif mobile and pick < 0.15:
        row["mobile"] = "0" + mobile
    elif mobile and pick < 0.18:
        row["mobile"] = f"{mobile[:5]}-{mobile[5:]}"
    if row["epic"] and rng.random() < 0.03:
        row["epic"] = f"DL/{rng.randint(1, 70):02d}/{rng.randint(1, 300):03d}/{rng.randint(1, 999_999):06d}"
    if row["relation"] == "self" and rng.random() < 0.2:
        row["relation"] = "Head"


def _edit(row: dict, rng: random.Random) -> None:
    what = rng.random()
    if what < 0.5:
        row["mobile"] = f"9{rng.randint(0, 999_999_999):09d}"
    elif what < 0.8:
        row["address"] = row["address"].replace("House", "Flat", 1)
    else:
        row["household_id"] = row["household_id"] + "-N"  # moved into a new household


def write(path: Path, count: int, bad: float = 0.003, changed: float = 0.0) -> Path:
    """Write the file; returns its path."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=REQUIRED_COLUMNS, extrasaction="ignore")  # the demo's birth_year is not a column
        writer.writeheader()
        writer.writerows(rows(count, bad, changed))
    return path


def main() -> None:
    """Command line: --rows, --out, --bad, --changed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--bad", type=float, default=0.003, help="share of rejectable rows")
    parser.add_argument("--changed", type=float, default=0.0, help="share of residents changed")
    args = parser.parse_args()
    write(args.out, args.rows, args.bad, args.changed)
    print(f"{args.rows:,} rows -> {args.out} ({args.out.stat().st_size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
