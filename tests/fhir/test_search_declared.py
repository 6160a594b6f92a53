"""Search as the CapabilityStatement declares it: hospital Encounters by patient, any declared reference target,
comma OR, system|code tokens, every date prefix and dateTime values, POST _search, Condition/Observation params."""

from __future__ import annotations

import pytest

from crm.hospitals.fhir import dates
from tests.factories import make_card
from tests.fhir.hospital import Hospital, history_bundle


@pytest.fixture
def sent(app, http):
    reader = Hospital(http, name="Reader", scopes="system/*.read system/*.write")
    card = make_card()
    assert reader.post_bundle(history_bundle(card.number)).status_code == 200
    return reader, card.patient_id


def ids(reader, path, **kwargs):
    answer = reader.get(path, **kwargs)
    assert answer.status_code == 200, answer.get_json()
    return [e["resource"]["resourceType"] + "/" + e["resource"]["id"] for e in answer.get_json().get("entry", [])]


def test_encounter_by_patient_finds_the_hospitals_encounters(sent):
    reader, patient = sent
    found = ids(reader, f"/fhir/Encounter?patient=Patient/{patient}")
    assert len(found) == 1 and found[0].startswith("Encounter/h")


@pytest.mark.parametrize("query, hits", [
    ("code=http://loinc.org|85354-9", 1), ("code=85354-9", 1), ("code=http://snomed.info/sct|85354-9", 0),
    ("code=85354-9,2339-0", 2), ("code=http://loinc.org|", 2), ("status=final", 2), ("status=final,amended", 2),
    ("date=2026-11-20", 2), ("date=ge2026-11-20T10:42:00%2B05:30", 1), ("date=lt2026-11-20T10:42:00%2B05:30", 1),
    ("date=ne2026-11-20", 0), ("date=sa2026-11-19", 2), ("date=eb2026-11-21", 2), ("date=ap2026-11-20", 2),
    ("date=eq2026-11-20T10:40%2B05:30", 1),
])
def test_observation_tokens_and_dates(sent, query, hits):
    reader, patient = sent
    assert len(ids(reader, f"/fhir/Observation?patient={patient}&{query}")) == hits


@pytest.mark.parametrize("query, hits", [
    ("clinical-status=active", 1), ("clinical-status=resolved", 0),
    ("code=http://snomed.info/sct|44054006", 1), ("code=http://snomed.info/sct|44054006,http://snomed.info/sct|1", 1),
])
def test_condition_code_and_clinical_status(sent, query, hits):
    reader, patient = sent
    assert len(ids(reader, f"/fhir/Condition?patient={patient}&{query}")) == hits


def test_post_search_finds_what_get_finds(sent):
    reader, patient = sent
    got = ids(reader, f"/fhir/Observation?patient={patient}")
    posted = reader.http.post("/fhir/Observation/_search", data={"patient": str(patient)},
                              headers={"Authorization": f"Bearer {reader.token()}"})
    assert posted.status_code == 200
    assert sorted(e["fullUrl"].rsplit("/", 2)[-1] for e in posted.get_json()["entry"]) == sorted(g.split("/")[1] for g in got)


def test_appointment_actor_takes_a_practitioner(sent):
    reader, _ = sent
    assert reader.get("/fhir/Appointment?actor=Practitioner/1").status_code == 200


@pytest.mark.parametrize("value", ["2026-11-20T10:30", "2026-11-20T10:30:00Z", "2026-11-20T10:30:00.5+05:30", "ap2026",
                                   "ne2026-11", "sa2026-11-20", "eb2026-11-20T10:30+05:30"])
def test_every_prefix_and_datetime_is_a_range(value):
    prefix, start, end = dates.date_range(value)
    assert start < end and prefix in dates.PREFIXES


@pytest.mark.parametrize("value", ["2026-11-20T25:00", "2026-11-20T10", "xx2026", "2026-13"])
def test_malformed_dates_are_400s(value):
    from crm.platform.errors import Refused

    with pytest.raises(Refused) as refused:
        dates.date_range(value)
    assert refused.value.status == 400
