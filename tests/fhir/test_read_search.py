"""Reading and searching the FHIR API: every resource validates against fhir.resources, errors are OperationOutcomes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient as FhirPatient
from sqlalchemy import select

from crm.models import Appointment, AuditLog, Case, Facility, Message, Slot
from crm.models.base import utcnow
from crm.platform.extensions import db
from crm.residents.abha import services as abha
from tests.factories import make_card, make_household, make_patient, make_staff
from tests.fhir.hospital import Hospital


@pytest.fixture
def reader(app, http):
    """A hospital allowed to read everything."""
    return Hospital(http, name="AIIMS HIS", scopes="system/*.read")


@pytest.fixture
def family(app):
    """A household of two with a card each, a case with a text message, a doctor and a booked appointment."""
    household = make_household(code="HH-0042")
    asha = make_card(make_patient(household, name="Asha Devi", sex="F", dob=date(1975, 3, 2), epic="ABC1234566")).patient
    ravi = make_card(make_patient(household, name="Ravi Kumar", relation="son", dob=date(2001, 7, 9))).patient
    abha.link(asha, "91-1234-5678-9012", "asha.devi@abdm")
    doctor = make_staff("doctor", name="Dr. Meera Rao", specialty="cardiology")
    facility = Facility(code="HS-GTB", name="GTB Hospital", name_hi="जीटीबी अस्पताल", kind="hospital", district="Shahdara",
                        address="Dilshad Garden")
    db.session.add(facility)
    case = Case(channel="sms", status="resolved", priority="P2", caller_phone=asha.mobile, patient_id=asha.id,
                reason="chest pain on stairs", doctor_id=doctor.id, disposition="appointment_booked")
    db.session.add(case)
    db.session.flush()
    db.session.add(Message(case_id=case.id, direction="inbound", kind="inbound", from_number=asha.mobile,
                           to_number="+911100000000", body="seene me dard hai", status="received", language="hi"))
    slot = Slot(doctor_id=doctor.id, facility=facility, specialty="cardiology", starts_at=utcnow() + timedelta(days=2))
    db.session.add(slot)
    db.session.flush()
    db.session.add(Appointment(slot_id=slot.id, patient_id=asha.id, case_id=case.id, status="booked"))
    db.session.commit()
    return {"asha": asha, "ravi": ravi, "household": household, "doctor": doctor, "facility": facility, "case": case}


def test_the_capability_statement_is_public_and_valid(http):
    response = http.get("/fhir/metadata")
    assert response.status_code == 200 and response.content_type == "application/fhir+json"
    statement = CapabilityStatement.model_validate(response.get_json())
    assert statement.fhirVersion == "4.0.1"
    types = {r.type for r in statement.rest[0].resource}
    assert {"Patient", "Group", "Practitioner", "Organization", "Location", "Appointment", "Encounter",
            "Communication", "AuditEvent"} <= types
    assert http.get("/fhir/.well-known/smart-configuration").get_json()["token_endpoint"].endswith("/fhir/auth/token")


def test_a_patient_reads_back_with_every_identifier(family, reader):
    asha = family["asha"]
    response = reader.get(f"/fhir/Patient/{asha.id}")
    patient = FhirPatient.model_validate(response.get_json())
    systems = {i.system: i.value for i in patient.identifier}
    assert systems["https://sampark.delhi.gov.in/fhir/sid/health-card"] == asha.current_card.number
    assert systems["https://healthid.abdm.gov.in"] == "91-1234-5678-9012"
    assert systems["https://healthid.abdm.gov.in/address"] == "asha.devi@abdm"
    assert systems["https://sampark.delhi.gov.in/fhir/sid/epic"] == "ABC1234566"
    assert patient.gender == "female" and str(patient.birthDate) == "1975-03-02"


@pytest.mark.parametrize("query", [
    "identifier={card}", "identifier=https://sampark.delhi.gov.in/fhir/sid/health-card|{card}",
    "identifier=91-1234-5678-9012", "identifier=https://healthid.abdm.gov.in|91123456789012",
    "identifier=Asha.Devi@abdm", "phone={phone}", "name=asha", "birthdate=1975-03-02", "birthdate=1975",
    "name=devi&gender=female",
])
def test_patient_search_finds_the_resident(family, reader, query):
    asha = family["asha"]
    url = "/fhir/Patient?" + query.format(card=asha.current_card.number, phone=asha.mobile.replace("+", "%2B"))
    bundle = Bundle.model_validate(reader.get(url).get_json())
    assert bundle.type == "searchset" and bundle.total == 1
    assert bundle.entry[0].resource.id == str(asha.id)
    assert bundle.entry[0].fullUrl == f"http://sampark.test/fhir/Patient/{asha.id}"


def test_search_pages_with_a_bounded_count(app, reader):
    household = make_household()
    for n in range(5):
        make_patient(household, name=f"Sunita {n}")
    token = reader.token()
    first = reader.get("/fhir/Patient?name=sunita&_count=2", token).get_json()
    assert first["total"] == 5 and len(first["entry"]) == 2
    following = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = reader.get(following.replace("http://sampark.test", ""), token).get_json()
    assert [e["resource"]["name"][0]["text"] for e in second["entry"]] == ["Sunita 2", "Sunita 3"]
    capped = reader.get("/fhir/Patient?name=sunita&_count=100000", token).get_json()
    assert len(capped["entry"]) == 5 and "_count=100&" in capped["link"][0]["url"]


@pytest.mark.parametrize("url, status, code", [
    ("/fhir/Patient/999999", 404, "not-found"),
    ("/fhir/Patient?identifer=1234", 400, "invalid"),
    ("/fhir/Patient", 400, "invalid"),
    ("/fhir/Patient?birthdate=yesterday", 400, "invalid"),
    ("/fhir/Patient?_count=lots&name=ab", 400, "invalid"),
    ("/fhir/Basic/1", 404, "not-supported"),
    ("/fhir/Patient/99999999999999999999999", 400, "invalid"),
])
def test_errors_are_operation_outcomes_with_the_right_status(family, reader, url, status, code):
    response = reader.get(url)
    assert response.status_code == status
    outcome = OperationOutcome.model_validate(response.get_json())
    assert outcome.issue[0].code == code and outcome.issue[0].diagnostics


@pytest.mark.parametrize("resource_type, query", [
    ("Group", "member=Patient/{asha}"),
    ("Practitioner", "name=meera"),
    ("Organization", "identifier=HS-GTB"),
    ("Location", "organization=Organization/{facility}"),
    ("Appointment", "patient={asha}"),
    ("Encounter", "patient=Patient/{asha}"),
    ("Communication", "patient={asha}"),
])
def test_every_resource_type_validates(family, reader, resource_type, query):
    url = f"/fhir/{resource_type}?" + query.format(asha=family["asha"].id, facility=family["facility"].id)
    bundle = Bundle.model_validate(reader.get(url).get_json())
    assert bundle.total == 1
    resource = bundle.entry[0].resource
    assert resource.get_resource_type() == resource_type
    again = reader.get(f"/fhir/{resource_type}/{resource.id}")
    assert again.status_code == 200 and again.get_json()["id"] == resource.id


def test_the_household_group_lists_both_members(family, reader):
    group = reader.get(f"/fhir/Group/{family['household'].id}").get_json()
    assert group["quantity"] == 2
    assert {m["entity"]["reference"] for m in group["member"]} == {f"Patient/{family['asha'].id}", f"Patient/{family['ravi'].id}"}


def test_a_case_is_an_encounter_and_its_sms_a_communication(family, reader):
    token = reader.token()
    encounter = reader.get(f"/fhir/Encounter?identifier=SMP-{family['case'].id:05d}", token).get_json()["entry"][0]["resource"]
    assert encounter["class"]["code"] == "VR" and encounter["priority"]["coding"][0]["code"] == "UR"
    assert encounter["reasonCode"][0]["text"] == "chest pain on stairs"
    message = reader.get(f"/fhir/Communication?encounter=Encounter/{family['case'].id}", token).get_json()["entry"][0]["resource"]
    assert message["payload"][0]["contentString"] == "seene me dard hai"
    assert message["sender"]["reference"] == f"Patient/{family['asha'].id}"


def test_everything_about_a_patient_in_one_valid_bundle(family, reader):
    bundle = Bundle.model_validate(reader.get(f"/fhir/Patient/{family['asha'].id}/$everything").get_json())
    kinds = sorted(e.resource.get_resource_type() for e in bundle.entry)
    assert kinds == ["Appointment", "Communication", "Encounter", "Group", "Patient"]


def test_everything_leaves_out_what_the_scopes_do_not_cover(family, http):
    narrow = Hospital(http, name="Narrow", scopes="system/Patient.read")
    bundle = narrow.get(f"/fhir/Patient/{family['asha'].id}/$everything").get_json()
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]


def test_every_access_is_audited_with_the_clients_name_and_readable_as_audit_events(family, reader):
    token = reader.token()
    reader.get(f"/fhir/Patient/{family['asha'].id}", token)
    reader.get(f"/fhir/Patient?identifier={family['ravi'].current_card.number}", token)
    rows = db.session.scalars(select(AuditLog).where(AuditLog.via == "fhir", AuditLog.patient_id.is_not(None))).all()
    assert {(r.action, r.patient_id) for r in rows} >= {("fhir_read", family["asha"].id), ("fhir_search", family["ravi"].id)}
    assert all(r.detail["client"] == "AIIMS HIS" and r.staff_id is None for r in rows)
    events = Bundle.model_validate(reader.get(f"/fhir/AuditEvent?patient={family['asha'].id}", token).get_json())
    assert events.total >= 1
    assert events.entry[0].resource.agent[0].who.display == "AIIMS HIS"
    other = Hospital(reader.http, name="Other HIS", scopes="system/AuditEvent.read")
    assert other.get(f"/fhir/AuditEvent?patient={family['asha'].id}").get_json()["total"] == 0  # only its own


@pytest.mark.parametrize("resource_type", ["Encounter", "Communication", "Appointment", "Group", "Condition"])
def test_records_about_people_are_not_listed_without_a_criterion(family, reader, resource_type):
    response = reader.get(f"/fhir/{resource_type}")
    assert response.status_code == 400 and "listing" in response.get_json()["issue"][0]["diagnostics"]


def test_the_directory_may_be_listed(family, reader):
    assert reader.get("/fhir/Organization").get_json()["total"] == 1
    assert reader.get("/fhir/Practitioner").get_json()["total"] == 1


def test_a_client_asking_only_for_xml_is_told_json_only(family, reader):
    token = reader.token()
    assert reader.get(f"/fhir/Patient/{family['asha'].id}?_format=xml", token).status_code == 406
    response = reader.http.get("/fhir/metadata", headers={"Accept": "application/fhir+xml"})
    assert response.status_code == 406 and response.get_json()["resourceType"] == "OperationOutcome"
    assert reader.http.get("/fhir/metadata", headers={"Accept": "application/fhir+json"}).status_code == 200
    assert reader.http.get("/fhir/metadata", headers={"Accept": "*/*"}).status_code == 200
