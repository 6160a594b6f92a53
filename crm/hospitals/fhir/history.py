"""A patient's medical history from hospitals, merged with what the helpline knows, for the staff panels.

Allergies, current medications and conditions are merged by what they are (crm.hospitals.fhir.concepts: a coded
concept by its codes, else the full text with its form words understood): each item lists every source that
mentions it (the helpline's record and each hospital, with dates). When sources disagree (one hospital says a
medicine was stopped and the helpline lists it as current; one refutes an allergy another records)
the item carries the conflict in words. Nothing is dropped: an item any source holds is shown.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.hospitals.fhir import concepts, senders, summaries
from crm.models import HospitalRecord, Patient
from crm.models.base import iso, local
from crm.platform.extensions import db

ENTRIES = 30
HELPLINE = "Helpline record"


def name_key(text: str) -> str:
    """The name two sources share for one allergy or medicine: 'Tab. Metformin 500 mg' and 'metformin' -> 'metformin'."""
    return concepts.text_key(text)


def for_patient(patient: Patient) -> dict | None:
    """{"entries", "allergies", "medications", "conditions", "conflicts"} for the panel, or None if no hospital sent anything."""
    records = list(db.session.scalars(
        select(HospitalRecord).options(joinedload(HospitalRecord.client)).where(HospitalRecord.patient_id == patient.id)
        .order_by(HospitalRecord.recorded_for.desc().nulls_last(), HospitalRecord.id.desc()).limit(300)))
    if not records:
        return None
    by = senders.for_records(records)  # who at the hospital stands behind each fact (Provenance, author fields)
    allergies = merge(list(patient.allergies or []), [r for r in records if r.kind == "allergy"], _allergy_current, by)
    medications = merge(list(patient.current_medications or []), [r for r in records if r.kind == "medication"],
                        _medicine_current, by)
    conditions = merge(list(patient.chronic_conditions or []), [r for r in records if r.kind == "condition"],
                       _condition_current, by)
    entries = [{"kind": r.kind, "summary": r.summary, "status": r.status, "hospital": _hospital(r),
                "sender": by.get(r.id), "date": iso(r.recorded_for), "day": _day(r)} for r in records[:ENTRIES]]
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


def merge(helpline: list[str], records: list[HospitalRecord], current, by: dict[int, str] | None = None) -> list[dict]:
    """One item per clinical concept: who says what about it, whether it is current by each source, any disagreement.

    Items are joined when they share a key (a code, or the text's words), so no two different things are ever
    one item and every statement of every source is in exactly one item, in the order the panel sorts them.
    """
    items: list[dict] = []

    def place(keys: set[str], name: str) -> dict:
        joined = [i for i in items if i["keys"] & keys and not concepts.codes_differ(i["keys"], keys)]
        if not joined:
            item = {"name": name, "sources": [], "conflict": None, "keys": set(keys)}
            items.append(item)
            return item
        first = joined[0]
        for other in joined[1:]:  # this statement shows two items were one concept all along
            first["keys"] |= other["keys"]
            first["sources"] += other["sources"]
            items.remove(other)
        first["keys"] |= keys
        return first

    for text in helpline:
        place(concepts.keys(None, text), text)["sources"].append(
            {"who": HELPLINE, "text": text, "current": True, "day": None, "client": None})
    newest_first = sorted(records, key=lambda r: (r.recorded_for is not None, r.recorded_for), reverse=True)
    for record in newest_first:
        text = summaries.substance(record.resource) or record.summary
        item = place(concepts.keys(concepts.item_concept(record.resource), text), text)
        if any(s["client"] == record.client_id for s in item["sources"]):
            item["older"] = item.get("older", 0) + 1  # the same hospital's older statement: its newest one counts
            continue
        item["sources"].append({"who": _hospital(record), "text": record.summary, "current": current(record),
                                "status": record.status, "day": _day(record), "client": record.client_id,
                                "sender": by.get(record.id) if by else None})
    for item in items:
        del item["keys"]
        says = {s["current"] for s in item["sources"]}
        if len(says) > 1:
            yes = [s["who"] for s in item["sources"] if s["current"]]
            no = [f"{s['who']} ({s.get('status') or 'not current'}, {s['day']})" for s in item["sources"] if not s["current"]]
            item["conflict"] = (f"{', '.join(yes)} {'lists' if len(yes) == 1 else 'list'} it as current; "
                                f"{', '.join(no)} {'does' if len(no) == 1 else 'do'} not.")
        item["current"] = any(s["current"] for s in item["sources"])
    return sorted(items, key=lambda i: (not i["conflict"], not i["current"], i["name"].lower()))
