"""Registry rows merged on PostgreSQL: COPY into a staging table, ANALYZE, then set-based statements.

Row-at-a-time lookups against a table the same run fills get no statistics and a sequential scan each
(bench/README.md, "Registry import"); here every row travels once by COPY and the database joins the
whole file against patient and household in a few statements. One transaction: all or nothing.
"""

from __future__ import annotations

import re
from contextlib import ExitStack

from crm.platform.extensions import db
from crm.residents.enrollment.matching import fold_name
from crm.residents.registry import first_load
from crm.residents.registry.summary import REGISTRY_FIELDS, ImportSummary

STAGE_COLUMNS = ("line", "registry_id", "household_code", *REGISTRY_FIELDS)
CREATE_STAGE = """
CREATE TEMP TABLE registry_stage (
    line integer NOT NULL, registry_id varchar(40) NOT NULL, household_code varchar(40) NOT NULL,
    epic varchar(20), epic_valid boolean, name varchar(200) NOT NULL, name_hi varchar(200), dob date,
    birth_year integer, dob_estimated boolean NOT NULL, sex varchar(1) NOT NULL, mobile varchar(20),
    address varchar(400) NOT NULL, ward varchar(80) NOT NULL, relation varchar(30) NOT NULL
) ON COMMIT DROP
"""
# New households take the address of their first resident in the file (ids in file order).
NEW_HOUSEHOLDS = """
INSERT INTO household (code, address, ward, created_at)
SELECT household_code, address, ward, now() FROM (
    SELECT DISTINCT ON (household_code) household_code, address, ward, line
    FROM registry_stage AS s
    WHERE NOT EXISTS (SELECT 1 FROM household AS h WHERE h.code = s.household_code)
    ORDER BY household_code, line
) AS first ORDER BY line
ON CONFLICT (code) DO NOTHING
"""
# Then, as in the batch path, each head of household ("self") with a non-empty address or ward
# overwrites it in file order: the last non-empty one wins.
HEAD_ADDRESSES = """
UPDATE household AS h
SET address = coalesce(s.address, h.address), ward = coalesce(s.ward, h.ward)
FROM (
    SELECT household_code,
           (array_agg(address ORDER BY line DESC) FILTER (WHERE address <> ''))[1] AS address,
           (array_agg(ward ORDER BY line DESC) FILTER (WHERE ward <> ''))[1] AS ward
    FROM registry_stage WHERE relation = 'self' GROUP BY household_code
) AS s
WHERE h.code = s.household_code
  AND (h.address, h.ward) IS DISTINCT FROM (coalesce(s.address, h.address), coalesce(s.ward, h.ward))
"""
# Each distinct name of the file folded once in Python (matching.fold_name, the rule the duplicate search blocks on).
CREATE_FOLDS = "CREATE TEMP TABLE registry_folds (name varchar(200) PRIMARY KEY, fold varchar(200)) ON COMMIT DROP"
_FIELDS = ", ".join(REGISTRY_FIELDS)
_STAGED = ", ".join(f"s.{name}" for name in REGISTRY_FIELDS)
# Only rows whose registry fields or household differ are written: an unchanged re-import writes nothing.
CHANGED_RESIDENTS = f"""
UPDATE patient AS p
SET {", ".join(f"{name} = s.{name}" for name in REGISTRY_FIELDS)}, household_id = h.id, name_fold = f.fold,
    updated_at = now()
FROM registry_stage AS s JOIN household AS h ON h.code = s.household_code JOIN registry_folds AS f ON f.name = s.name
WHERE p.registry_id = s.registry_id
  AND ({", ".join(f"p.{name}" for name in REGISTRY_FIELDS)}, p.household_id, p.name_fold)
      IS DISTINCT FROM ({_STAGED}, h.id, f.fold)
"""
NEW_RESIDENTS = f"""
INSERT INTO patient (registry_id, household_id, {_FIELDS}, name_fold, allergies, chronic_conditions,
                     current_medications, preferred_language, created_at, updated_at)
SELECT s.registry_id, h.id, {_STAGED}, f.fold, '[]', '[]', '[]', 'hi', now(), now()
FROM registry_stage AS s JOIN household AS h ON h.code = s.household_code JOIN registry_folds AS f ON f.name = s.name
WHERE NOT EXISTS (SELECT 1 FROM patient AS p WHERE p.registry_id = s.registry_id)
ORDER BY s.line
"""


NULL = "\\N"
TEXT_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")


def stage_line(line: int, fields: tuple) -> str:
    """One resident (parse_values' fields) as a line of COPY text for registry_stage, columns in STAGE_COLUMNS
    order: tab between columns, \\N for none, backslash, tab and line breaks escaped."""
    (registry_id, epic, epic_valid, name, name_hi, dob, birth_year, estimated, sex, mobile, household, address,
     ward, relation) = fields
    if NEEDS_ESCAPE.search(f"{epic}{name}{name_hi}{mobile}{household}{address}{ward}{relation}"):
        epic, name, name_hi, mobile, household, address, ward, relation = (
            None if v is None else v.translate(TEXT_ESCAPES)
            for v in (epic, name, name_hi, mobile, household, address, ward, relation)
        )
    return (
        f"{line}\t{registry_id}\t{household}\t{NULL if epic is None else epic}\t{BOOLEAN[epic_valid]}\t{name}\t"
        f"{NULL if name_hi is None else name_hi}\t{NULL if dob is None else dob.isoformat()}\t"
        f"{NULL if birth_year is None else birth_year}\t{BOOLEAN[estimated]}\t{sex}\t{NULL if mobile is None else mobile}"
        f"\t{address}\t{ward}\t{relation}\n"
    )


BOOLEAN = {True: "t", False: "f", None: NULL}


class CopyMerge:
    """Streams accepted rows into a COPY; `finish` merges them and commits."""

    def __init__(self, summary: ImportSummary, first_load: bool = False) -> None:
        self.summary = summary
        self.first_load = first_load  # asked for (flask registry import --first-load): see `finish`
        self.staged = 0
        self.connection = db.session.connection().connection.driver_connection
        self.cursor = self.connection.cursor()
        self.cursor.execute(CREATE_STAGE)
        self._copy = ExitStack()
        self.copy = self._copy.enter_context(
            self.cursor.copy(f"COPY registry_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN")
        )

    encode = staticmethod(stage_line)  # runs where the rows are checked, so the workers format the COPY too

    def add_all(self, lines: list[str]) -> None:
        """Take accepted rows (as stage_line wrote them) into the COPY stream."""
        self.copy.write("".join(lines))
        self.staged += len(lines)

    def finish(self, stage) -> None:
        """End the COPY, merge households then residents, and commit."""
        self._copy.close()
        run = self.cursor.execute
        stage("analysing")
        run("SET LOCAL work_mem = '256MB'")  # the joins and sorts over the whole file stay in memory
        run("ANALYZE registry_stage")
        stage("names")
        self.fold_names()
        stage("households")
        self.summary.households_created += run(NEW_HOUSEHOLDS).rowcount
        run(HEAD_ADDRESSES)
        run("ANALYZE household")  # a first import filled it just now: give the joins below its statistics
        stage("residents")
        # Only when asked, and only into an empty registry: patient's indexes and keys are set aside and rebuilt after
        # the rows (first_load), which locks patient until the import commits: every read of it, a card lookup or the
        # IVR's caller match, waits (7 minutes at 20,000,000). For the registry's load before the helpline opens.
        set_aside = first_load.set_aside(self.cursor) if self.first_load else None
        self.summary.updated += run(CHANGED_RESIDENTS).rowcount
        self.summary.created += run(NEW_RESIDENTS).rowcount
        if set_aside is not None:
            stage("indexes")
            first_load.rebuild(self.cursor, set_aside)
        if self.summary.created or self.summary.updated:
            run("ANALYZE patient")  # lookups right after a large import get a plan that knows its size
        self.summary.unchanged += self.staged - self.summary.updated - self.summary.created
        self.cursor.close()
        db.session.commit()

    def fold_names(self) -> None:
        """Fill registry_folds: each distinct name of the file with its fold."""
        names = self.cursor.execute("SELECT DISTINCT name FROM registry_stage").fetchall()
        self.cursor.execute(CREATE_FOLDS)
        with self.cursor.copy("COPY registry_folds (name, fold) FROM STDIN") as copy:
            for (name,) in names:
                copy.write_row((name, fold_name(name)))
        self.cursor.execute("ANALYZE registry_folds")

    def abort(self) -> None:
        """Roll everything back, staging table included."""
        failed = RuntimeError("registry import aborted")
        self._copy.__exit__(type(failed), failed, None)  # an open COPY is cancelled, not completed
        self.cursor.close()
        db.session.rollback()
