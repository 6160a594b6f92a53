"""A patient's medical history from hospitals, merged with what the helpline knows, for the staff panels.

Allergies, current medications and conditions are merged by name: each item lists every source that mentions it
(the helpline's record and each hospital, with dates). When sources disagree (one hospital says a
medicine was stopped and the helpline lists it as current; one refutes an allergy another records)
the item carries the conflict in words. Nothing is dropped: an item any source holds is shown.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.hospitals.fhir import summaries
from crm.models import HospitalRecord, Patient
from crm.models.base import iso, local
from crm.platform.extensions import db

ENTRIES = 30
HELPLINE = "Helpline record"


def name_key(text: str) -> str:
    """The name two sources share for one allergy or medicine: 'Metformin 500 mg' and 'metformin' -> 'metformin'."""
    words = re.findall(r"[^\W\d_]+", (text or "").lower())
    return words[0] if words else (text or "").strip().lower()


def for_patient(patient: Patient) -> dict | None:
    """{"entries", "allergies", "medications", "conditions", "conflicts"} for the panel, or None if no hospital sent anything."""
    records = list(db.session.scalars(
        select(HospitalRecord).options(joinedload(HospitalRecord.client)).where(HospitalRecord.patient_id == patient.id)
        .order_by(HospitalRecord.recorded_for.desc().nulls_last(), HospitalRecord.id.desc()).limit(300)))
    if not records:
        return None
    allergies = merge(list(patient.allergies or []), [r for r in records if r.kind == "allergy"], _allergy_current)
    medications = merge(list(patient.current_medications or []), [r for r in records if r.kind == "medication"],
                        _medicine_current)
    conditions = merge(list(patient.chronic_conditions or []), [r for r in records if r.kind == "condition"],
                       _condition_current)
    entries = [{"kind": r.kind, "summary": r.summary, "status": r.status, "hospital": _hospital(r),
                "date": iso(r.recorded_for), "day": _day(r)} for r in records[:ENTRIES]]
    return {"entries": entries, "more": max(0, len(records) - ENTRIES), "allergies": allergies, "medications": medications,
            "conditions": conditions, "conflicts": [i for i in allergies + medications + conditions if i["conflict"]]}


def _hospital(record: HospitalRecord) -> str:
    return record.client.name if record.client else "A hospital"


def _day(record: HospitalRecord) -> str:
    return f"{local(record.recorded_for):%d %b %Y}" if record.recorded_for else "date not given"


def _allergy_current(record: HospitalRecord) -> bool:
    return record.status not in summaries.NOT_AN_ALLERGY + ("inactive", "resolved")


def _condition_current(record: HospitalRecord) -> bool:
    return record.status not in ("inactive", "remission", "resolved", "refuted", "entered-in-error")


def _medicine_current(record: HospitalRecord) -> bool:
    return (record.status or "unknown") in summaries.CURRENT_MEDICATION


def merge(helpline: list[str], records: list[HospitalRecord], current) -> list[dict]:
    """One item per name: who says what about it, whether it is current by each source, and any disagreement."""
    items: dict[str, dict] = {}
    for text in helpline:
        item = items.setdefault(name_key(text), {"name": text, "sources": [], "conflict": None})
        item["sources"].append({"who": HELPLINE, "text": text, "current": True, "day": None})
    newest_first = sorted(records, key=lambda r: (r.recorded_for is not None, r.recorded_for), reverse=True)
    seen_per_hospital = set()
    for record in newest_first:
        text = summaries.substance(record.resource) or record.summary
        key = name_key(text)
        if (key, record.client_id) in seen_per_hospital:
            continue  # the same hospital's older statement about the same thing: its newest one counts
        seen_per_hospital.add((key, record.client_id))
        item = items.setdefault(key, {"name": text, "sources": [], "conflict": None})
        item["sources"].append({"who": _hospital(record), "text": record.summary, "current": current(record),
                                "status": record.status, "day": _day(record)})
    for item in items.values():
        says = {s["current"] for s in item["sources"]}
        if len(says) > 1:
            yes = [s["who"] for s in item["sources"] if s["current"]]
            no = [f"{s['who']} ({s.get('status') or 'not current'}, {s['day']})" for s in item["sources"] if not s["current"]]
            item["conflict"] = (f"{', '.join(yes)} {'lists' if len(yes) == 1 else 'list'} it as current; "
                                f"{', '.join(no)} {'does' if len(no) == 1 else 'do'} not.")
        item["current"] = any(s["current"] for s in item["sources"])
    return sorted(items.values(), key=lambda i: (not i["conflict"], not i["current"], i["name"].lower()))
