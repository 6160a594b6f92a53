"""Which registry rows the duplicate search at enrolment scores (crm.residents.enrollment.matching.candidates): one
statement, its blocks each an index range read cut at its own limit, so that a common name costs no more than a rare
one and a big block cannot crowd out the same mobile.

A resident's namesakes (the same folded name, patient.name_fold: any ward, moved house or respelt) are read from
ix_patient_name_fold_birth_dob (name_fold, birth_year, dob; the columns scored included) in the order it keeps:
- born the same year, the nearest dates of birth first on each side (BLOCK_LIMIT a side);
- born a year either side, the dates nearest the new year first; with a year of birth and no date (FEW each);
- born on a date one slip of the keys away, in any year (`slips`: one index probe a date, FEW each).
Then the same mobile, and the same ward with the same date of birth (a word dropped, added or mistyped beyond the
folding), BLOCK_LIMIT each. Limits are written into the text, so a plan PostgreSQL caches for it knows them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

BLOCK_LIMIT = 50  # rows read per block at most: the nearest dates of birth on one side, the same mobile, ...
FEW = 10  # rows per block whose rows seldom rank: a year either side, a year of birth only, one slipped date
COLUMNS = "id, name, dob, birth_year, sex, mobile, ward"


def _block(where: str, order: str = "", limit: int = BLOCK_LIMIT) -> str:
    return f"(SELECT {COLUMNS} FROM patient WHERE {where} AND merged_into_id IS NULL {order} LIMIT {limit})"


NAME = "name_fold = :key"
SLIPPED = (f"SELECT {COLUMNS} FROM unnest(CAST(:slips AS date[])) AS slip(day) CROSS JOIN LATERAL "
           + _block(f"{NAME} AND birth_year = CAST(extract(year FROM slip.day) AS integer) AND dob = slip.day",
                    limit=FEW) + " AS probe")
MOBILE = _block("mobile = ANY(CAST(:mobiles AS varchar[]))")
STATEMENTS = {  # by what the search knows of the birth: a date, a year, nothing
    "date": text(" UNION ALL ".join([
        _block(f"{NAME} AND birth_year = :year AND dob >= :dob", "ORDER BY dob"),
        _block(f"{NAME} AND birth_year = :year AND dob < :dob", "ORDER BY dob DESC"),
        _block(f"{NAME} AND birth_year = :year - 1 AND dob < :dob", "ORDER BY dob DESC", FEW),
        _block(f"{NAME} AND birth_year = :year + 1 AND dob > :dob", "ORDER BY dob", FEW),
        _block(f"{NAME} AND birth_year = :year AND dob IS NULL", limit=FEW),
        _block(f"{NAME} AND birth_year IN (:year - 1, :year + 1) AND dob IS NULL", limit=FEW),
        SLIPPED, MOBILE,
        _block("ward = :ward AND dob = :dob"),
    ])),
    "year": text(" UNION ALL ".join([
        _block(f"{NAME} AND birth_year = :year", limit=2 * BLOCK_LIMIT),
        _block(f"{NAME} AND birth_year IN (:year - 1, :year + 1)", limit=2 * FEW),
        MOBILE,
    ])),
    "name": text(" UNION ALL ".join([_block(NAME, limit=2 * BLOCK_LIMIT), MOBILE])),
}


def read(key: str, dob: date | None, year: int | None, ward: str | None, mobiles: list[str],
         slips: list[date]) -> tuple:
    """The statement and its parameters for a search: `key` the folded name (empty: no namesakes read), `mobiles`
    the forms of the mobile the registry may hold, `slips` the dates one slip of the keys away from `dob`."""
    kind = "date" if dob else "year" if year else "name"
    return STATEMENTS[kind], {"key": key or None, "dob": dob, "year": dob.year if dob else year, "ward": ward,
                              "mobiles": mobiles, "slips": slips}
