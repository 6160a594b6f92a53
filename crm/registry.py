"""Importing the voter / population registry: residents, households, rejects with reasons."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select
from stdnum.in_ import epic as epic_number

from crm import phones
from crm.extensions import db
from crm.models import Household, Patient
from crm.models.base import utcnow

REQUIRED_COLUMNS = (
    "registry_id", "epic", "name", "name_hi", "dob", "age", "sex", "mobile", "household_id", "address", "ward",
    "relation",
)
SEX_WORDS = {"m": "M", "male": "M", "f": "F", "female": "F", "o": "O", "other": "O", "t": "O"}
RELATION_WORDS = {"head": "self", "wife": "spouse", "husband": "spouse"}
REGISTRY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_-]{0,39}$")
BATCH = 1000


class RegistryFileError(ValueError):
    """The file as a whole cannot be imported (wrong header, not CSV)."""


class RowError(ValueError):
    """One row is rejected; the message is written to the rejects file."""


@dataclass
class Resident:
    """One validated registry row."""

    registry_id: str
    epic: str | None
    epic_valid: bool | None
    name: str
    name_hi: str | None
    dob: date | None
    birth_year: int | None
    dob_estimated: bool
    sex: str
    mobile: str | None
    household_code: str
    address: str
    ward: str
    relation: str


@dataclass
class ImportSummary:
    """What an import did, for the clerk."""

    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    households_created: int = 0
    rejects_path: Path | None = None
    reasons: dict[str, int] = field(default_factory=dict)


def parse_row(row: dict[str, str], today: date | None = None) -> Resident:
    """Validate one CSV row into a Resident or raise RowError with a reason a clerk can act on."""
    today = today or date.today()
    get = {k: (row.get(k) or "").strip() for k in REQUIRED_COLUMNS}
    registry_id = get["registry_id"]
    if not registry_id:
        raise RowError("registry_id is empty")
    if not REGISTRY_ID.match(registry_id):
        raise RowError(f"registry_id {registry_id!r} has characters other than letters, digits, / _ -")
    name = " ".join(get["name"].split())
    if not name:
        raise RowError("name is empty")
    sex = SEX_WORDS.get(get["sex"].lower())
    if sex is None:
        raise RowError(f"sex {get['sex']!r} is not M, F or O")
    dob, birth_year, estimated = _birth(get["dob"], get["age"], today)
    mobile = None
    if get["mobile"]:
        try:
            mobile = phones.normalize(get["mobile"])
        except phones.PhoneError as exc:
            raise RowError(f"mobile: {exc}") from exc
    household = get["household_id"]
    if not household:
        raise RowError("household_id is empty")
    epic, epic_valid = _epic(get["epic"])
    relation = get["relation"].lower().replace(" ", "_").replace("-", "_") or "self"
    return Resident(
        registry_id=registry_id,
        epic=epic,
        epic_valid=epic_valid,
        name=name[:200],
        name_hi=" ".join(get["name_hi"].split())[:200] or None,
        dob=dob,
        birth_year=birth_year,
        dob_estimated=estimated,
        sex=sex,
        mobile=mobile,
        household_code=household[:40],
        address=get["address"][:400],
        ward=get["ward"][:80],
        relation=RELATION_WORDS.get(relation, relation)[:30],
    )


def _birth(dob_text: str, age_text: str, today: date) -> tuple[date | None, int | None, bool]:
    if dob_text:
        try:
            dob = date.fromisoformat(dob_text)
        except ValueError as exc:
            raise RowError(f"dob {dob_text!r} is not a date as YYYY-MM-DD") from exc
        if dob > today:
            raise RowError(f"dob {dob_text} is in the future")
        if dob.year < today.year - 125:
            raise RowError(f"dob {dob_text} is more than 125 years ago")
        return dob, dob.year, False
    if not age_text:
        raise RowError("both dob and age are empty")
    if not age_text.isdigit() or int(age_text) > 125:
        raise RowError(f"age {age_text!r} is not a whole number of years from 0 to 125")
    return None, today.year - int(age_text), True


def _epic(text: str) -> tuple[str | None, bool | None]:
    """Soft check: older voter ids deviate from the format, so keep them and mark them."""
    if not text:
        return None, None
    compact = epic_number.compact(text)
    return compact[:20], epic_number.is_valid(compact)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each non-blank row; raises RegistryFileError for a wrong header."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise RegistryFileError(
                f"{path.name} is missing the column(s) {', '.join(missing)}; the header must include "
                + ",".join(REQUIRED_COLUMNS)
            )
        reader.fieldnames = header
        for row in reader:
            if any((v or "").strip() for k, v in row.items() if k is not None):
                yield reader.line_num, row


def import_file(
    path: Path, rejects_path: Path | None = None, progress: Callable[[int], None] | None = None
) -> ImportSummary:
    """Import a registry CSV idempotently; every rejected row goes to the rejects CSV with its reason."""
    path = Path(path)
    rejects_path = Path(rejects_path) if rejects_path else path.with_name(path.stem + ".rejects.csv")
    summary = ImportSummary(rejects_path=rejects_path)
    seen: dict[str, int] = {}
    batch: list[Resident] = []
    with rejects_path.open("w", newline="", encoding="utf-8") as out:
        rejects = csv.writer(out)
        rejects.writerow(["line", "reason", *REQUIRED_COLUMNS])
        for line, row in read_rows(path):
            summary.read += 1
            try:
                resident = parse_row(row)
                if resident.registry_id in seen:
                    raise RowError(f"registry_id {resident.registry_id} appears again (first on line {seen[resident.registry_id]})")
                seen[resident.registry_id] = line
            except RowError as exc:
                summary.rejected += 1
                reason = str(exc)
                key = reason.split(" ")[0].rstrip(":")
                summary.reasons[key] = summary.reasons.get(key, 0) + 1
                rejects.writerow([line, reason, *[(row.get(c) or "") for c in REQUIRED_COLUMNS]])
            else:
                batch.append(resident)
            if len(batch) >= BATCH:
                _save(batch, summary)
                batch = []
            if progress:
                progress(1)
        _save(batch, summary)
    return summary


def _save(batch: list[Resident], summary: ImportSummary) -> None:
    if not batch:
        return
    codes = {r.household_code for r in batch}
    households = {h.code: h for h in db.session.scalars(select(Household).where(Household.code.in_(codes)))}
    existing = {
        p.registry_id: p
        for p in db.session.scalars(select(Patient).where(Patient.registry_id.in_([r.registry_id for r in batch])))
    }
    fresh: list[Resident] = []
    for resident in batch:
        household = households.get(resident.household_code)
        if household is None:
            household = Household(code=resident.household_code, address=resident.address, ward=resident.ward)
            db.session.add(household)
            households[household.code] = household
            summary.households_created += 1
        elif resident.relation == "self":
            household.address, household.ward = resident.address or household.address, resident.ward or household.ward
        patient = existing.get(resident.registry_id)
        if patient is None:
            fresh.append(resident)
        elif _update_patient(patient, resident, household):
            summary.updated += 1
        else:
            summary.unchanged += 1
    db.session.flush()  # new households get their ids
    if fresh:
        # New residents in one multi-row INSERT: a first import of a city is nearly all new rows, and
        # one ORM object per row made PostgreSQL imports half as fast as SQLite's.
        db.session.execute(insert(Patient), [_new_row(r, households[r.household_code].id) for r in fresh])
        summary.created += len(fresh)
    db.session.commit()


REGISTRY_FIELDS = (
    "epic", "epic_valid", "name", "name_hi", "dob", "birth_year", "dob_estimated", "sex", "mobile", "address", "ward",
    "relation",
)


def _new_row(resident: Resident, household_id: int) -> dict:
    row = {name: getattr(resident, name) for name in REGISTRY_FIELDS}
    now = utcnow()
    row |= {"registry_id": resident.registry_id, "household_id": household_id, "allergies": [],
            "chronic_conditions": [], "current_medications": [], "preferred_language": "hi",
            "created_at": now, "updated_at": now}
    return row


def _update_patient(patient: Patient, resident: Resident, household: Household) -> bool:
    """Copy registry-owned fields only; clinical fields belong to the clinical record."""
    changed = patient.household_id != household.id or patient.household is not household
    patient.household = household
    for name in REGISTRY_FIELDS:
        if getattr(patient, name) != getattr(resident, name):
            setattr(patient, name, getattr(resident, name))
            changed = True
    return changed
