"""The FHIR paths on PostgreSQL with the schema the migrations build: ingest, search, $everything, a duplicate race."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from crm.models import HospitalRecord
from crm.platform.extensions import db
from crm.residents.abha import services as abha
from tests.factories import make_card
from tests.fhir.hospital import Hospital, history_bundle

pytestmark = pytest.mark.pg


def test_ingest_search_and_everything_on_postgresql(pg_app):
    http = pg_app.test_client()
    hospital = Hospital(http, scopes="system/*.read system/*.write")
    card = make_card(name="Asha Devi")
    abha.link(card.patient, "91-1234-5678-9012", "asha.devi@abdm")
    db.session.commit()
    token = hospital.token()
    assert hospital.post_bundle(history_bundle(card.number), token).status_code == 200
    assert hospital.post_bundle(history_bundle(card.number), token).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(HospitalRecord)) == 7
    for query in ("identifier=asha.devi@abdm", "name=ASHA", "birthdate=1980", f"identifier={card.number}"):
        assert hospital.get(f"/fhir/Patient?{query}", token).get_json()["total"] == 1, query
    everything = hospital.get(f"/fhir/Patient/{card.patient_id}/$everything", token).get_json()
    assert len(everything["entry"]) == 9  # Patient, Group and the 7 resources the hospital sent


def test_the_same_bundle_posted_twice_at_once_is_stored_once(pg_app):
    http = pg_app.test_client()
    hospital = Hospital(http)
    card = make_card()
    tokens = [hospital.token(), hospital.token()]
    statuses = []

    number = card.number

    def post(token):
        with pg_app.app_context():  # each thread is a request of its own, as two hospital servers would be
            statuses.append(hospital.post_bundle(history_bundle(number), token).status_code)

    threads = [threading.Thread(target=post, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) in ([200, 200], [200, 409])
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(HospitalRecord)) == 7


def test_a_scan_on_postgresql_shows_hospital_history_only_when_there_is_some(pg_app):
    from sqlalchemy import event

    from crm.residents import lookup
    from tests.factories import logged_in

    hospital = Hospital(pg_app.test_client())
    with_history, without = make_card(allergies=["Sulfa drugs"]), make_card()
    assert hospital.post_bundle(history_bundle(with_history.number)).status_code == 200
    operator, _ = logged_in(pg_app, "operator")
    sent = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    seen = operator.post("/api/v1/lookup", json={"qr": with_history.qr_token}).get_json()
    with_history_sent, sent[:] = list(sent), []
    assert any(statement.startswith("SELECT hospital_record.") for statement in with_history_sent)
    assert seen["hospital"] == lookup.view_patient(with_history.patient_id)["hospital"]  # the full query's answer
    assert "Penicillin" in {a["name"] for a in seen["hospital"]["allergies"]}
    sent.clear()
    unseen = operator.post("/api/v1/lookup", json={"qr": without.qr_token}).get_json()
    assert unseen["hospital"] is None and unseen["patient"]["id"] == without.patient_id
    assert not any(statement.startswith("SELECT hospital_record.") for statement in sent)  # none when the card's statement found none
    assert len(sent) < len(with_history_sent)
