"""Merging a duplicate into the surviving record, and undoing it: unmerge(merge(x)) == x, row for row."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from crm.models import AuditLog, Case, CaseEvent, ClinicalNote, HealthCard, Patient
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.residents.cards import operations as cards
from crm.residents.enrollment import merge as merging
from tests import factories

SKIPPED = {"audit_log", "patient_merge"}  # the log of the merge itself, and the merge row

WORLD = st.fixed_dictionaries({
    "survivor_card": st.sampled_from(["none", "issued", "verified", "reissued"]),
    "duplicate_card": st.sampled_from(["none", "issued", "reissued", "revoked"]),
    "survivor_cases": st.integers(0, 2), "duplicate_cases": st.integers(0, 3),
    "survivor_allergies": st.lists(st.sampled_from(["Penicillin", "Aspirin", "Sulfa drugs"]), max_size=2, unique=True),
    "duplicate_allergies": st.lists(st.sampled_from(["Penicillin", "Peanuts", "Ibuprofen"]), max_size=2, unique=True),
    "survivor_mobile": st.booleans(), "duplicate_abha": st.booleans(),
})


def dump() -> dict:
    """Every row of every table but the audit log and the merge rows, as plain values."""
    db.session.expire_all()
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name not in SKIPPED:
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).mappings().all()
            state[table.name] = [dict(row) for row in rows]
    return state


def _card(patient: Patient, kind: str) -> None:
    if kind == "none":
        return
    card = cards.issue(patient)
    if kind == "verified":
        cards.record_verification(card.number, factories.make_staff("registrar"), "door")
    if kind == "reissued":
        cards.reissue(card.number, "duplicate")
    if kind == "revoked":
        cards.revoke(card.number, "issued in error")


def build(world: dict) -> tuple[int, int]:
    survivor = factories.make_patient(name="Mohammad Imran", allergies=world["survivor_allergies"],
                                      mobile="+919811111111" if world["survivor_mobile"] else None)
    duplicate = factories.make_patient(name="Mohd Imran", allergies=world["duplicate_allergies"],
                                       abha_number="12345678901234" if world["duplicate_abha"] else None)
    doctor = factories.make_staff("doctor")
    _card(survivor, world["survivor_card"])
    _card(duplicate, world["duplicate_card"])
    for patient, n in ((survivor, world["survivor_cases"]), (duplicate, world["duplicate_cases"])):
        for _ in range(n):
            case = Case(channel="sms", patient_id=patient.id, caller_phone=patient.mobile)
            db.session.add(case)
            db.session.flush()
            db.session.add(CaseEvent(case_id=case.id, kind="note", detail={"text": "x"}))
            db.session.add(ClinicalNote(case_id=case.id, patient_id=patient.id, doctor_id=doctor.id, body="BP 150/95"))
    db.session.commit()
    return survivor.id, duplicate.id


@given(WORLD)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_unmerge_of_merge_is_the_identity(app, world):
    survivor, duplicate = build(world)
    before = dump()
    try:
        record = merging.merge(survivor, duplicate, None, "test")
    except Refused as refused:
        # The one refusal: the duplicate holds the only live card; nothing may have changed.
        db.session.rollback()
        assert refused.code == "survivor_without_card"
        assert dump() == before
        return
    db.session.commit()
    merged = dump()
    moved = {r["id"] for r in merged["case"] if r["patient_id"] == survivor}
    assert moved == {r["id"] for r in before["case"] if r["patient_id"] in (survivor, duplicate)}
    assert all(r["status"] not in ("issued", "verified", "delivered")
               for r in merged["health_card"] if r["patient_id"] == duplicate)
    merging.unmerge(record.id, None)
    db.session.commit()
    assert dump() == before


def test_merge_moves_cases_supersedes_the_card_and_keeps_allergies(app):
    survivor, duplicate = build({"survivor_card": "issued", "duplicate_card": "issued", "survivor_cases": 1,
                                 "duplicate_cases": 2, "survivor_allergies": ["Aspirin"],
                                 "duplicate_allergies": ["Penicillin"], "survivor_mobile": False,
                                 "duplicate_abha": True})
    old = db.session.get(Patient, duplicate).current_card.number
    record = merging.merge(survivor, duplicate, factories.make_staff("registrar"))
    db.session.commit()
    kept = db.session.get(Patient, survivor)
    assert kept.allergies == ["Aspirin", "Penicillin"] and kept.abha_number == "12345678901234"
    assert len(db.session.scalars(select(Case).where(Case.patient_id == survivor)).all()) == 3
    gone = db.session.scalar(select(HealthCard).where(HealthCard.number == old))
    assert gone.status == "superseded" and gone.superseded_by_id == kept.current_card.id
    actions = [a.action for a in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions.count("patient_merge") == 2 and "card_supersede_merge" in actions
    with pytest.raises(Refused):
        merging.merge(survivor, duplicate, None)  # already merged
    merging.unmerge(record.id, None)
    db.session.commit()
    with pytest.raises(Refused):
        merging.unmerge(record.id, None)  # already undone
    assert db.session.get(Patient, duplicate).current_card.number == old
