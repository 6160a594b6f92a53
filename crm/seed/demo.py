"""Synthetic demo data: a Delhi population through the real registry import, cards, facilities, staff."""

from __future__ import annotations

import csv
import random
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from crm.citizens.facilities import areas
from crm.citizens.facilities import importer as facility_import
from crm.models import Facility, Patient, StaffUser
from crm.platform.extensions import db
from crm.residents import registry
from crm.residents.cards import operations as cards
from crm.staff.auth import passwords

DEMO_PASSWORD = "sampark-demo"
DEMO_STAFF = (
    ("operator1", "operator", None, "Priya Sharma"),
    ("operator2", "operator", None, "Imran Qureshi"),
    ("doctor1", "doctor", "general_medicine", "Dr. Anjali Verma"),
    ("doctor2", "doctor", "cardiology", "Dr. Sandeep Bhatia"),
    ("doctor3", "doctor", "paediatrics", "Dr. Farah Khan"),
    ("supervisor1", "supervisor", None, "Meena Rawat"),
    ("registrar1", "registrar", None, "Vikas Yadav"),
    ("field1", "field_verifier", None, "Rukhsana Begum"),
    ("admin1", "admin", None, "IT Desk"),
    ("interop1", "interop_officer", None, "Interoperability Officer"),
    ("officer1", "officer", None, "Grievance Officer (facilities)"),
    ("officer2", "officer", None, "Grievance Officer (helpline)"),
    ("officer3", "officer", None, "Grievance Officer (card office)"),
    ("officer4", "officer", None, "Public Grievance Cell"),
)
# Each demo officer's desk; officer4 is the senior desk that overdue complaints of every section escalate to.
OFFICER_SECTIONS = {"officer1": "facilities", "officer2": "helpline", "officer3": "card_office",
                    "officer4": "grievance_cell"}
# Languages the demo's operators and doctors speak (Delhi's four: hi, en, pa, ur) and who interprets.
DEMO_SKILLS = {
    "operator1": (["hi", "en", "pa"], False), "operator2": (["hi", "en", "ur"], True),
    "doctor1": (["hi", "en"], False), "doctor2": (["hi", "en", "pa"], False), "doctor3": (["hi", "en", "ur"], False),
}
# What each role's demo accounts are for: one banner line per role (a role missing here is named as it is).
DEMO_ROLES = {
    "operator": "tier-1 operators: the workspace",
    "doctor": "doctors: general medicine, cardiology, paediatrics (Tier 2)",
    "supervisor": "supervisor: floor, reports, wallboard",
    "registrar": "card office: registry, cards, enrolment",
    "field_verifier": "field verifier: open /field/ on a phone",
    "admin": "staff accounts (no patient records)",
    "interop_officer": "interoperability officer: hospital systems' access, /fhir/admin/clients",
    "officer": "grievance desks: facilities, helpline, card office",
}
MEN = [("Ramesh", "रमेश"), ("Suresh", "सुरेश"), ("Amit", "अमित"), ("Rajesh", "राजेश"), ("Mohammed", "मोहम्मद"),
       ("Sanjay", "संजय"), ("Vijay", "विजय"), ("Arjun", "अर्जुन"), ("Rahul", "राहुल"), ("Deepak", "दीपक"),
       ("Harpreet", "हरप्रीत"), ("Anil", "अनिल"), ("Manoj", "मनोज"), ("Imran", "इमरान"), ("Gopal", "गोपाल"),
       ("Naveen", "नवीन"), ("Kishan", "किशन"), ("Ravi", "रवि"), ("Aakash", "आकाश"), ("Yusuf", "यूसुफ़")]
WOMEN = [("Sunita", "सुनीता"), ("Anita", "अनीता"), ("Priya", "प्रिया"), ("Kavita", "कविता"), ("Pooja", "पूजा"),
         ("Rekha", "रेखा"), ("Fatima", "फ़ातिमा"), ("Neha", "नेहा"), ("Geeta", "गीता"), ("Simran", "सिमरन"),
         ("Lakshmi", "लक्ष्मी"), ("Meera", "मीरा"), ("Shabnam", "शबनम"), ("Asha", "आशा"), ("Nisha", "निशा"),
         ("Savitri", "सावित्री"), ("Jyoti", "ज्योति"), ("Ruksana", "रुख़साना"), ("Kiran", "किरण"), ("Divya", "दिव्या")]
SURNAMES = [("Kumar", "कुमार"), ("Sharma", "शर्मा"), ("Verma", "वर्मा"), ("Singh", "सिंह"), ("Gupta", "गुप्ता"),
            ("Yadav", "यादव"), ("Khan", "ख़ान"), ("Ansari", "अंसारी"), ("Chauhan", "चौहान"), ("Jain", "जैन"),
            ("Mishra", "मिश्रा"), ("Rawat", "रावत"), ("Bansal", "बंसल"), ("Prasad", "प्रसाद")]
# Each is a ward of crm/citizens/facilities/areas.csv (its pincode goes on the address; the finder knows it).
WARDS = ["Seelampur", "Sangam Vihar", "Mehrauli", "Rohini Sector 16", "Karol Bagh", "Laxmi Nagar", "Dwarka Sector 7",
         "Okhla Phase 2", "Jahangirpuri", "Trilokpuri", "Shahdara", "Uttam Nagar", "Mustafabad", "Najafgarh"]
ALLERGIES = ["Penicillin", "Sulfa drugs", "Aspirin", "Peanuts", "Dust mites", "Ibuprofen"]
CONDITIONS = [("Type 2 diabetes", "Metformin 500 mg twice daily"), ("Hypertension", "Amlodipine 5 mg daily"),
              ("Asthma", "Salbutamol inhaler as needed"), ("Tuberculosis (on treatment)", "DOTS regimen"),
              ("Hypothyroidism", "Levothyroxine 50 mcg daily"), ("Chronic kidney disease", "Telmisartan 40 mg daily"),
              ("Epilepsy", "Sodium valproate 200 mg twice daily"), ("Coronary artery disease", "Aspirin 75 mg daily")]
BLOOD = ["O+", "B+", "A+", "AB+", "O-", "B-", "A-", "AB-"]
BLOOD_WEIGHTS = [37, 32, 22, 7, 1, 0.7, 0.2, 0.1]
FACILITIES = [
    ("MC-SLP-01", "Mohalla Clinic Seelampur", "मोहल्ला क्लिनिक सीलमपुर", "mohalla_clinic", "North East"),
    ("MC-SNV-02", "Mohalla Clinic Sangam Vihar", "मोहल्ला क्लिनिक संगम विहार", "mohalla_clinic", "South"),
    ("MC-JHP-03", "Mohalla Clinic Jahangirpuri", "मोहल्ला क्लिनिक जहांगीरपुरी", "mohalla_clinic", "North West"),
    ("MC-TLP-04", "Mohalla Clinic Trilokpuri", "मोहल्ला क्लिनिक त्रिलोकपुरी", "mohalla_clinic", "East"),
    ("PC-DWK-01", "Polyclinic Dwarka Sector 7", "पॉलीक्लिनिक द्वारका सेक्टर 7", "polyclinic", "South West"),
    ("PC-RHN-02", "Polyclinic Rohini Sector 16", "पॉलीक्लिनिक रोहिणी सेक्टर 16", "polyclinic", "North West"),
    ("HS-LNJ", "Lok Nayak Hospital", "लोक नायक अस्पताल", "hospital", "Central"),
    ("HS-GTB", "Guru Teg Bahadur Hospital", "गुरु तेग बहादुर अस्पताल", "hospital", "Shahdara"),
    ("HS-DDU", "Deen Dayal Upadhyay Hospital", "दीन दयाल उपाध्याय अस्पताल", "hospital", "West"),
    ("HS-BSA", "Dr. Baba Saheb Ambedkar Hospital", "डॉ. बाबा साहेब अंबेडकर अस्पताल", "hospital", "North West"),
]


# Ages are counted back from a fixed day, so the same seed draws the same birth dates whichever day the demo starts.
BIRTHS_FROM = date(2026, 1, 1)


def stream(seed: int, step: str) -> random.Random:
    """The seeded generator of one step (or one resident's step): what one draws never shifts what another draws."""
    return random.Random(f"{seed}:{step}")  # a str seed is hashed with SHA-512: the same in every process


def registry_rows(residents: int, rng: random.Random, today: date = BIRTHS_FROM) -> Iterator[dict]:
    """Registry rows for about `residents` people in households of 1 to 7 (whole households: a larger
    `residents` gives the same first rows and more after them). Birth dates are drawn back from BIRTHS_FROM and
    an age without a date is given as of `today`, so the people are the same whichever day they are imported;
    `birth_year` (not a registry column) is the year each was born."""
    made, household, later = 0, 0, today.year - BIRTHS_FROM.year
    while made < residents:
        household += 1
        code = f"DL-HH-{household:06d}"
        surname = rng.choice(SURNAMES)
        ward = rng.choice(WARDS)
        address = f"House {rng.randint(1, 400)}, Gali {rng.randint(1, 30)}, {ward}, Delhi {areas.pincode_of(ward)}"
        head_age = rng.randint(28, 75)
        members = [("self", "M" if rng.random() < 0.8 else "F", head_age)]
        if rng.random() < 0.85:
            members.append(("spouse", "F" if members[0][1] == "M" else "M", head_age - rng.randint(0, 6)))
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4])):
            child_age = max(0, head_age - rng.randint(20, 35))
            members.append(("son" if rng.random() < 0.5 else "daughter", "", child_age))
        if head_age < 45 and rng.random() < 0.3:
            members.append(("mother", "F", head_age + rng.randint(20, 30)))
        mobile = _mobile(rng)
        for relation, sex, age in members:
            sex = sex or ("M" if relation == "son" else "F")
            first = rng.choice(MEN if sex == "M" else WOMEN)
            last = ("Kaur", "कौर") if surname[0] == "Singh" and sex == "F" else surname
            born = BIRTHS_FROM - timedelta(days=age * 365 + rng.randint(0, 364))
            exact = rng.random() < 0.8
            own_mobile = mobile if relation == "self" else (_mobile(rng) if age >= 18 and rng.random() < 0.6 else mobile)
            made += 1
            yield {
                "registry_id": f"DL{made:08d}",
                "epic": _epic(rng) if age >= 18 else "",
                "name": f"{first[0]} {last[0]}", "name_hi": f"{first[1]} {last[1]}",
                "dob": born.isoformat() if exact else "", "age": "" if exact else str(age + later),
                "birth_year": born.year if exact else BIRTHS_FROM.year - age,
                "sex": sex, "mobile": own_mobile, "household_id": code, "address": address,
                "ward": ward, "relation": relation,
            }


def _mobile(rng: random.Random) -> str:
    return f"{rng.choice('6789')}{rng.randint(0, 999_999_999):09d}"


def _epic(rng: random.Random) -> str:
    from stdnum import luhn

    body = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3)) + f"{rng.randint(0, 999_999):06d}"
    return body + luhn.calc_check_digit(body[3:])


def seed(residents: int = 3000, seed: int = 2026) -> Iterator[str]:
    """Create the demo world; safe to run again (nothing is duplicated). Yields progress lines.

    The same seed gives the same people under the same registry ids on every start: each step draws from its own
    generator, and a resident already seeded is never written again (a restart adds only the ones it lacks)."""
    today = date.today()
    for username, role, specialty, name in DEMO_STAFF:
        if db.session.scalar(select(StaffUser).where(StaffUser.username == username)) is None:
            staff = passwords.create_staff(username, role, DEMO_PASSWORD, name=name, specialty=specialty)
            staff.section = OFFICER_SECTIONS.get(username)
            if username in DEMO_SKILLS:
                staff.languages, staff.interpreter = DEMO_SKILLS[username]
    for doctor in db.session.scalars(select(StaffUser).where(StaffUser.role == "doctor")):
        doctor.on_duty = True  # the demo's doctors are on shift, so emergencies ring them
    db.session.commit()
    yield f"Staff: {len(DEMO_STAFF)} demo accounts (password {DEMO_PASSWORD!r})."
    phones = stream(seed, "facility phones")  # drawn only when the facilities are new: a stream of their own
    for code, name, name_hi, kind, district in FACILITIES:
        if db.session.scalar(select(Facility).where(Facility.code == code)) is None:
            db.session.add(Facility(code=code, name=name, name_hi=name_hi, kind=kind, district=district,
                                    phone="+9111" + f"{phones.randint(20000000, 29999999)}"))
    placed = facility_import.import_file(facility_import.DEMO_FILE)  # wards, pincodes, places, hours, services
    db.session.commit()
    yield f"Facilities: {len(FACILITIES)} first-wave, {placed.created + placed.updated} placed with hours and services."
    seeded = set(db.session.scalars(select(Patient.registry_id).where(Patient.registry_id.is_not(None))))
    rows = [row for row in registry_rows(residents, stream(seed, "registry"), today) if row["registry_id"] not in seeded]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo-registry.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=registry.REQUIRED_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        summary = registry.import_file(path, Path(tmp) / "rejects.csv")
    yield (f"Registry: read {summary.read}, created {summary.created}, updated {summary.updated}, rejected "
           f"{summary.rejected} ({len(seeded)} seeded before, left as they are).")
    _clinical(rows, seed)
    issued = cards.issue_missing()
    yield f"Cards: issued {issued} new."
    yield f"Field: {_field_wards()}"
    slots = _schedules(today)
    db.session.commit()
    yield f"Schedules: {slots} new appointment slots over the next week."
    from crm.hospitals.fhir import demo as hospital_demo

    yield hospital_demo.seed(stream(seed, "hospital"), today)


def banner(base_url: str) -> str:
    """What a newcomer needs once the demo is listening: the address, the logins, and how to try the portal."""
    by_role: dict[str, list[str]] = {}
    for username, role, *_ in DEMO_STAFF:
        by_role.setdefault(role, []).append(username)
    logins = [f"    {', '.join(names):<30}  {DEMO_ROLES.get(role, role.replace('_', ' '))}" for role, names in by_role.items()]
    lines = ["", "  " + "=" * 76, f"  Sampark is running: {base_url}/", "",
             f"  Staff logins (password for all: {DEMO_PASSWORD}):", *logins, ""]
    resident = portal_resident()
    exotel = current_app.config.get("SMS_PROVIDER") == "exotel"
    texts = f"{base_url}/exotel-emulator/" if exotel else f"{base_url}/emulator/"
    if resident is not None:
        mobile = resident.mobile[3:]
        lines += [f"  Citizen portal: {base_url}/portal/",
                  f"    sign in as {resident.name} with the mobile number {mobile[:5]} {mobile[5:]}; the code arrives on",
                  f"    the emulator's phone open as that number: {texts}?number=%2B91{mobile}", ""]
    lines += [f"  The citizen's phone (Twilio emulator: call, press keys, WhatsApp): {base_url}/emulator/"]
    if exotel:
        lines += [f"  SMS both ways (Exotel emulator, DLT-scrubbed; write in Hindi or English): {texts}"]
    lines += ["  Stop with Ctrl-C. Data lives in instance/ (delete it to start afresh).", "  " + "=" * 76, ""]
    return "\n".join(lines)


def portal_resident() -> Patient | None:
    """A head of household with a mobile and family on it: who the demo signs in to the citizen portal as."""
    heads = select(Patient).where(Patient.relation == "self", Patient.mobile.is_not(None),
                                  Patient.household_id.is_not(None)).order_by(Patient.id).limit(50)
    for patient in db.session.scalars(heads):
        if len(patient.household.members) >= 3:
            return patient
    return None


FIELD_WARDS = ("Seelampur", "Mustafabad")


def _field_wards() -> str:
    """The demo field verifier walks two wards (unless the card office has given them to someone already)."""
    from crm.models import FieldAssignment
    from crm.residents.field import worklist

    verifier = db.session.scalar(select(StaffUser).where(StaffUser.username == "field1"))
    office = db.session.scalar(select(StaffUser).where(StaffUser.username == "registrar1"))
    for ward in FIELD_WARDS:
        taken = db.session.scalar(select(FieldAssignment).where(FieldAssignment.ward == ward))
        if taken is None and db.session.scalar(select(Patient.id).where(Patient.ward == ward).limit(1)):
            worklist.assign(ward, verifier.id, office)
    db.session.commit()
    return f"field1 verifies door to door in {' and '.join(FIELD_WARDS)}."


def _schedules(today: date) -> int:
    """Each demo doctor holds a morning clinic at a hospital and an afternoon one at a polyclinic."""
    from crm.helpline.appointments import add_schedule

    hospitals = db.session.scalars(select(Facility).where(Facility.kind == "hospital")).all()
    polyclinics = db.session.scalars(select(Facility).where(Facility.kind == "polyclinic")).all()
    made = 0
    doctors = db.session.scalars(select(StaffUser).where(StaffUser.role == "doctor").order_by(StaffUser.id)).all()
    for i, doctor in enumerate(doctors):
        for offset in range(1, 8):
            day = today + timedelta(days=offset)
            if day.weekday() == 6:
                continue  # OPDs are closed on Sunday
            made += add_schedule(doctor, hospitals[i % len(hospitals)], day, "09:00", "12:00", 15)
            made += add_schedule(doctor, polyclinics[i % len(polyclinics)], day, "14:00", "16:00", 20)
    return made


def _clinical(rows: list[dict], seed: int) -> None:
    """Blood groups, allergies, chronic conditions and emergency contacts for some of the residents just seeded,
    each drawn from that resident's own generator (the same whatever order or run they are reached in)."""
    ages = {row["registry_id"]: BIRTHS_FROM.year - row["birth_year"] for row in rows}
    ids = list(ages)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for patient in db.session.scalars(select(Patient).where(Patient.registry_id.in_(chunk))):
            rng = stream(seed, f"clinical:{patient.registry_id}")
            if rng.random() < 0.7:
                patient.blood_group = rng.choices(BLOOD, BLOOD_WEIGHTS)[0]
            if rng.random() < 0.12:
                patient.allergies = rng.sample(ALLERGIES, rng.choice([1, 1, 2]))
            if ages[patient.registry_id] > 35 and rng.random() < 0.35:
                picks = rng.sample(CONDITIONS, rng.choice([1, 1, 2]))
                patient.chronic_conditions = [c for c, _ in picks]
                patient.current_medications = [m for _, m in picks]
            members = sorted(patient.household.members, key=lambda m: m.registry_id or "") if patient.household else []
            family = [m for m in members if m.id != patient.id and m.mobile]
            if family:
                contact = rng.choice(family)
                patient.emergency_contact_name = f"{contact.name} ({contact.relation})"
                patient.emergency_contact_phone = contact.mobile
    db.session.commit()
