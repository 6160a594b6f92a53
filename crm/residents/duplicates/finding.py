"""Finding likely duplicates and queueing them for the card office: after an enrolment, the enrolment desk's own
search (crm.residents.enrollment.matching.candidates); after an import, set-based in SQL over every resident the
import wrote, blocked on birth date + mobile, birth date + similar name, or the same address, then scored by the
same `matching.score`. Only pairs scoring at least `matching.THRESHOLD` are queued; a pair already known (open,
merged or dismissed) is never queued again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert

from crm.models import DuplicatePair, Patient
from crm.models.base import utcnow
from crm.platform.extensions import db
from crm.residents.enrollment.matching import THRESHOLD, Match, Person, candidates, score

CHUNK = 5000  # candidate pairs scored per round trip
SIMILAR_NAME = 0.3  # pg_trgm similarity that puts two names of one birth date in one block
# Most alike names kept per resident and block: a birth date many share (registries write 1 January for an unknown
# day) or a big building's address must not turn into millions of pairs.
PER_ROW = 5
# Blocks, each a join of the residents the import wrote (`fresh`) with every live record. A pair of different sex,
# or of birth years more than one apart, cannot reach THRESHOLD (matching.score), so no block keeps it.
BLOCKS = """
WITH fresh AS MATERIALIZED (
    SELECT id, dob, birth_year, sex, mobile, name, lower(address) AS address FROM patient
    WHERE updated_at >= :since AND merged_into_id IS NULL
)
SELECT least(f.id, p.id) AS low, greatest(f.id, p.id) AS high FROM fresh f
JOIN patient p ON p.dob = f.dob AND p.mobile = f.mobile
WHERE p.id <> f.id AND p.merged_into_id IS NULL AND p.sex = f.sex
UNION
SELECT least(f.id, c.id), greatest(f.id, c.id) FROM fresh f CROSS JOIN LATERAL (
    SELECT p.id FROM patient p
    WHERE p.dob = f.dob AND p.sex = f.sex AND p.id <> f.id AND p.merged_into_id IS NULL
      AND similarity(p.name, f.name) >= :similar
    ORDER BY similarity(p.name, f.name) DESC, p.id LIMIT :per_row
) c
UNION
SELECT least(f.id, c.id), greatest(f.id, c.id) FROM fresh f CROSS JOIN LATERAL (
    SELECT p.id FROM patient p
    WHERE lower(p.address) = f.address AND f.address <> '' AND p.sex = f.sex AND p.id <> f.id
      AND p.merged_into_id IS NULL
      AND (p.birth_year IS NULL OR f.birth_year IS NULL OR abs(p.birth_year - f.birth_year) <= 1)
    ORDER BY similarity(p.name, f.name) DESC, p.id LIMIT :per_row
) c
"""
KNOWN = "SELECT 1 FROM duplicate_pair d WHERE d.low_id = b.low AND d.high_id = b.high"


def queue(a: int, b: int, value: float, reasons, source: str, job_id: int | None = None) -> bool:
    """Queue the pair (a, b) for review unless it is already known; True if it was new."""
    low, high = sorted((a, b))
    return bool(_queue_all([{"low_id": low, "high_id": high, "score": value, "reasons": list(reasons)}], source, job_id))


def _queue_all(rows: list[dict], source: str, job_id: int | None) -> int:
    """Queue pairs (low_id < high_id) in one statement; pairs already known are left as they are. How many were new."""
    if not rows:
        return 0
    statement = (insert(DuplicatePair).on_conflict_do_nothing(index_elements=["low_id", "high_id"])
                 .returning(DuplicatePair.id))  # one round trip per thousand pairs (insertmanyvalues)
    added = db.session.execute(statement, [row | {"source": source, "job_id": job_id, "status": "open",
                                                  "created_at": utcnow()} for row in rows])
    return len(added.all())


def after_enrolment(patient: Patient, person: Person) -> list[Match]:
    """Queue every likely duplicate of a resident just enrolled (the enrolment desk's own search)."""
    found = candidates(person, exclude=patient.id)
    for match in found:
        queue(patient.id, match.patient_id, match.score, match.reasons, "enrolment")
    return found


def import_started() -> datetime:
    """The moment an import's transaction stamps on the rows it writes (call in that transaction, before it)."""
    return db.session.scalar(select(func.now()))


def after_import(since: datetime, job_id: int | None = None) -> int:
    """Queue the likely duplicates among the residents written since `since` (an import's start) and every live
    record; returns how many pairs were new. Run after the import commits: the import itself stays fast."""
    pairs = db.session.execute(text(f"SELECT low, high FROM ({BLOCKS}) AS b WHERE NOT EXISTS ({KNOWN})"),
                               {"since": since, "similar": SIMILAR_NAME, "per_row": PER_ROW}).all()
    queued = 0
    for start in range(0, len(pairs), CHUNK):
        chunk = pairs[start:start + CHUNK]
        ids = {i for pair in chunk for i in pair}
        people = {row.id: Person.of(row) for row in db.session.execute(
            select(Patient.id, Patient.name, Patient.dob, Patient.birth_year, Patient.sex, Patient.mobile,
                   Patient.ward).where(Patient.id.in_(ids)))}
        likely = []
        for low, high in chunk:
            value, reasons = score(people[low], people[high])
            if value >= THRESHOLD:
                likely.append({"low_id": low, "high_id": high, "score": value, "reasons": list(reasons)})
        queued += _queue_all(likely, "import", job_id)
    return queued

