"""The card office's review: nothing merges without a person choosing the record kept, a reason and a confirmation;
a merge from the review undoes exactly; every decision audited with who and why; only the card office decides."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from crm.models import AuditLog, DuplicatePair, Patient, PatientMerge
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.residents.duplicates import finding, review
from tests import factories
from tests.enrollment.test_merge import WORLD, build, dump


def queued(a: int, b: int) -> DuplicatePair:
    finding.queue(a, b, 0.9, ["name 100% alike"], "import")
    db.session.commit()
    return db.session.scalar(select(DuplicatePair).where(DuplicatePair.low_id == min(a, b)))


def two() -> tuple[Patient, Patient]:
    kept = factories.make_card(name="Rajesh Sharma").patient
    return kept, factories.make_patient(name="Rajesh Sharmaa")


@given(WORLD)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_merge_from_the_review_then_its_undo_restores_every_row(app, world):
    survivor, duplicate = build(world)
    staff = factories.make_staff("registrar")
    pair = queued(survivor, duplicate)
    before = dump()
    try:
        review.merge(pair.id, survivor, staff, "Same person: voter id checked", True)
    except Refused as refused:
        db.session.rollback()
        assert refused.code == "survivor_without_card"
        assert dump() == before
        return
    db.session.commit()
    assert db.session.get(Patient, duplicate).merged_into_id == survivor
    review.undo(db.session.get(DuplicatePair, pair.id).merge_id, staff, "Merged by mistake")
    db.session.commit()
    assert dump() == before  # every row exactly as it was, the pair back on the worklist


def test_nothing_merges_without_a_choice_a_reason_and_a_confirmation(app):
    kept, other = two()
    staff = factories.make_staff("registrar")
    pair = queued(kept.id, other.id)
    stranger = factories.make_patient(name="Someone Else")
    for survivor, reason, confirmed, code in ((None, "same person", True, "choose_survivor"),
                                              (stranger.id, "same person", True, "choose_survivor"),
                                              (kept.id, "  ", True, "reason_required"),
                                              (kept.id, "same person", False, "confirm_required")):
        try:
            review.merge(pair.id, survivor, staff, reason, confirmed)
        except Refused as refused:
            assert refused.code == code
            db.session.rollback()
        else:
            raise AssertionError(f"merged without {code}")
    assert PatientMerge.query.count() == 0 and db.session.get(DuplicatePair, pair.id).status == "open"


def test_the_pages_merge_dismiss_and_undo_with_who_and_why(app, client, login):
    kept, other = two()
    pair = queued(kept.id, other.id)
    clerk = login("registrar", name="Vikas Yadav")
    page = client.get(f"/card-office/duplicates/{pair.id}").get_data(as_text=True)
    number = kept.current_card.number
    assert f"{number[:4]} {number[4:8]} {number[8:]}" in page and "Rajesh Sharmaa" in page
    refused = client.post(f"/card-office/duplicates/{pair.id}/merge", data={"survivor_id": other.id, "reason": "same"})
    assert refused.status_code == 422 and "Say why" in refused.get_data(as_text=True)
    done = client.post(f"/card-office/duplicates/{pair.id}/merge",
                       data={"survivor_id": kept.id, "reason": "Same man, same voter id", "confirm": "1"})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(Patient, other.id).merged_into_id == kept.id
    assert client.get("/card-office/").get_data(as_text=True).count('data-figure="merged">1<') == 1
    undone = client.post(f"/card-office/duplicates/{pair.id}/undo", data={"reason": "Twins, the mother says"})
    assert undone.status_code == 303
    assert client.post(f"/card-office/duplicates/{pair.id}/dismiss", data={"reason": "Twin brothers"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Patient, other.id).merged_into_id is None
    assert db.session.get(DuplicatePair, pair.id).status == "dismissed"
    audits = {(a.action, a.staff_id, a.detail.get("reason")) for a in AuditLog.query if a.action.startswith("duplicate_")
              and a.action != "duplicate_pair_view"}
    assert audits == {("duplicate_pair_merge", clerk.id, "Same man, same voter id"),
                      ("duplicate_merge_undo", clerk.id, "Twins, the mother says"),
                      ("duplicate_pair_dismiss", clerk.id, "Twin brothers")}
    listed = client.get("/api/v1/card-office/duplicates?status=dismissed&page=99999999999999999999").json
    assert listed["figures"] == {"queued": 0, "merged": 0, "dismissed": 1} and listed["page"] == 1


def test_a_record_page_sends_its_duplicate_to_the_review_instead_of_merging(app, client, login):
    kept, other = two()
    login("registrar")
    page = client.get(f"/enrollment/patients/{kept.id}/duplicates").get_data(as_text=True)
    assert f'data-review="{other.id}"' in page and "data-merge" not in page
    answer = client.post("/enrollment/pairs", data={"patient_id": kept.id, "other_id": other.id})
    pair = DuplicatePair.query.one()
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/card-office/duplicates/{pair.id}")
    assert pair.source == "record" and PatientMerge.query.count() == 0
    assert client.post("/enrollment/merges", data={"survivor_id": kept.id, "duplicate_id": other.id}).status_code in (404, 405)
    unconfirmed = client.post("/api/v1/enrollment/merges", json={"survivor_id": kept.id, "duplicate_id": other.id,
                                                                 "reason": "same"})
    assert unconfirmed.status_code == 422 and PatientMerge.query.count() == 0


def test_only_the_card_office_decides_and_ids_are_checked(app, client, login):
    kept, other = two()
    pair = queued(kept.id, other.id)
    for role in ("field_verifier", "operator"):
        other_client, _ = factories.logged_in(app, role)
        assert other_client.get("/card-office/duplicates/").status_code == 403
        assert other_client.post(f"/card-office/duplicates/{pair.id}/dismiss",
                                 data={"reason": "different"}).status_code == 403
        assert other_client.post(f"/api/v1/card-office/duplicates/{pair.id}/merge",
                                 json={"survivor_id": kept.id, "reason": "same one", "confirm": True}).status_code == 403
    login("registrar")
    assert client.get("/card-office/duplicates/99999999999").status_code == 404
    assert client.post("/api/v1/card-office/duplicates/424242/dismiss", json={"reason": "different"}).status_code == 404
    wrong = client.post(f"/api/v1/card-office/duplicates/{pair.id}/merge",
                        json={"survivor_id": "1; DROP TABLE patient", "reason": "same one", "confirm": True})
    assert wrong.status_code == 422 and DuplicatePair.query.one().status == "open"
