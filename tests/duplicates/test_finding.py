"""Likely duplicates are queued for the card office after every import and enrolment, once per pair."""

from __future__ import annotations

from crm.models import AuditLog, DuplicatePair, OfficeJob, Patient
from crm.platform.extensions import db
from crm.residents.duplicates import finding
from crm.residents.enrollment import services as enrolment
from tests import factories
from tests.admin.test_card_office import csv_bytes, upload

RAJESH = "R1,,Rajesh Sharma,,1971-04-09,,M,9810000001,HH1,\"12 Gali 3, Mustafabad\",Mustafabad,self"
FAMILY = [
    "R2,,Sunita Sharma,,1974-06-01,,F,9810000001,HH1,\"12 Gali 3, Mustafabad\",Mustafabad,wife",
    "R3,,Amit Sharma,,1998-02-11,,M,9810000001,HH1,\"12 Gali 3, Mustafabad\",Mustafabad,son",
    "R4,,Anil Chauhan,,1971-04-09,,M,9899999999,HH9,\"4 Main Road, Karawal Nagar\",Karawal Nagar,self",
]
SHARMAA = "R9,,Rajesh Sharmaa,,1971-04-09,,M,9810000001,HH7,\"12 Gali 3, Mustafabad\",Mustafabad,self"


def pairs() -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return sorted((p.low.registry_id, p.high.registry_id, p.status) for p in DuplicatePair.query)


def test_an_upload_queues_rajesh_sharmaa_once_and_never_his_family(app, client, login):
    login("registrar")
    assert upload(client, csv_bytes(RAJESH, *FAMILY)).status_code == 303
    assert pairs() == []  # a household, and another man born the same day: no duplicates
    assert upload(client, csv_bytes(RAJESH, *FAMILY, SHARMAA), name="again.csv").status_code == 303
    assert pairs() == [("R1", "R9", "open")]
    pair = DuplicatePair.query.one()
    assert pair.source == "import" and pair.score >= 0.9 and "same mobile" in pair.reasons
    job = db.session.get(OfficeJob, pair.job_id)
    assert job.result["duplicates"] == 1 and job.result["created"] == 1
    # Uploading it again (Sharmaa's address corrected, so his row is written again) queues nothing new.
    moved = SHARMAA.replace("12 Gali 3", "12, Gali 3")
    upload(client, csv_bytes(RAJESH, *FAMILY, moved), name="third.csv")
    assert pairs() == [("R1", "R9", "open")] and DuplicatePair.query.count() == 1


def test_a_dismissed_pair_stays_dismissed_after_a_reimport(app, client, login):
    staff = login("registrar")
    upload(client, csv_bytes(RAJESH, SHARMAA))
    pair = DuplicatePair.query.one()
    from crm.residents.duplicates import review

    review.dismiss(pair.id, staff, "Father and son share the name; checked at home")
    db.session.commit()
    upload(client, csv_bytes(RAJESH.replace("12 Gali 3", "12 Gali No 3"), SHARMAA), name="again.csv")
    assert pairs() == [("R1", "R9", "dismissed")]


def test_the_same_address_block_finds_a_changed_mobile(app):
    kept = factories.make_patient(name="Rajesh Sharma", mobile="+919810000001", address="12 Gali 3, Mustafabad",
                                  ward="Mustafabad")
    since = finding.import_started()
    factories.make_patient(name="Rajesh Sharmaa", mobile="+919822222222", address="12 gali 3, Mustafabad",
                           ward="Mustafabad", dob=kept.dob.replace(day=18))
    assert finding.after_import(since) == 1
    assert finding.after_import(since) == 0  # known pairs are not scored again


def test_an_enrolment_queues_its_likely_duplicates_even_when_confirmed_new(app):
    registrar = factories.make_staff("registrar")
    factories.make_patient(name="Mohammad Imran", ward="Seelampur")
    entry = enrolment.parse({"name": "Mohd Imran", "sex": "M", "dob": "1980-05-17", "ward": "Seelampur",
                             "place": "GTB Hospital"})
    card = enrolment.enroll(entry, registrar)
    db.session.commit()
    pair = DuplicatePair.query.one()
    assert pair.source == "enrolment" and card.patient_id in (pair.low_id, pair.high_id)
    assert Patient.query.count() == 2 and AuditLog.query.filter_by(action="enroll").count() == 1
